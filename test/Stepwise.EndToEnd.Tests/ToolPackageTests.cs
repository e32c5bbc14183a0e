using System.IO.Compression;
using System.Runtime.InteropServices;
using Stepwise.Testing;

namespace Stepwise.EndToEnd.Tests;

/// <summary>The tool as a user gets it: packed, installed from the package into an empty folder, and run there.</summary>
public class ToolPackageTests
{
    private const long MaxPackageBytes = 20L * 1024 * 1024;

    [Fact]
    public async Task the_packed_tool_installs_into_an_empty_folder_and_runs_the_demo_from_there()
    {
        var dir = Scratch.Directory("stepwise-tool-");
        var packages = Path.Combine(dir, "packages");
        var rid = RuntimeInformation.RuntimeIdentifier;
        var project = Path.Combine(Fleet.RepoRoot(), "src", "Stepwise.Cli", "Stepwise.Cli.csproj");
        // A version of its own, so an earlier run's package in the NuGet cache is never what gets installed.
        var version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var (packed, packOutput) = await Tools.RunAsync("dotnet",
            ["pack", project, "-c", "Release", $"-p:ToolPackageRuntimeIdentifiers={rid}", $"-p:PackageVersion={version}", "-o", packages, "-nologo"], dir, timeoutSeconds: 900);
        packed.ShouldBe(0, packOutput);

        var nupkgs = Directory.GetFiles(packages, "*.nupkg");
        var platform = nupkgs.Where(p => Path.GetFileName(p).StartsWith($"Stepwise.Cli.{rid}.", StringComparison.Ordinal)).ShouldHaveSingleItem(string.Join(", ", nupkgs));
        foreach (var nupkg in nupkgs)
        {
            new FileInfo(nupkg).Length.ShouldBeLessThanOrEqualTo(MaxPackageBytes, Path.GetFileName(nupkg));
        }
        using (var zip = ZipFile.OpenRead(platform))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            entries.ShouldContain(e => e.EndsWith("/sample/orders/Stepwise.Samples.Orders.dll", StringComparison.Ordinal), "the demo's sample travels in the tool");
            entries.Where(e => e.Contains("/protoc/", StringComparison.Ordinal) && !e.Contains("/protoc/include/", StringComparison.Ordinal))
                .Select(e => e.Split("/protoc/")[1].Split('/')[0]).Distinct().Count().ShouldBe(1, "one platform's protoc");
            entries.ShouldNotContain(e => e.Contains("/runtimes/ios", StringComparison.Ordinal) || e.Contains("/runtimes/android", StringComparison.Ordinal) || e.Contains("/runtimes/browser", StringComparison.Ordinal));
        }

        var tools = Path.Combine(dir, "tools");
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var (installed, installOutput) = await Tools.RunAsync("dotnet",
            ["tool", "install", "Stepwise.Cli", "--tool-path", tools, "--add-source", packages, "--version", version], empty, timeoutSeconds: 300);
        installed.ShouldBe(0, installOutput);

        var stepwise = Path.Combine(tools, OperatingSystem.IsWindows() ? "stepwise.exe" : "stepwise");
        var (shown, versionOutput) = await Tools.RunAsync(stepwise, ["--version"], empty);
        shown.ShouldBe(0, versionOutput);
        var (exit, output) = await Tools.RunAsync(stepwise, ["demo", "--non-interactive"], empty, timeoutSeconds: 600);
        exit.ShouldBe(0, output);
        var acts = System.Text.RegularExpressions.Regex.Match(output, @"(\d+)/(\d+) acts as expected");
        acts.Success.ShouldBeTrue(output);
        acts.Groups[1].Value.ShouldBe(acts.Groups[2].Value, output);
    }
}

using System.Diagnostics;
using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

public sealed class ProtocTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public void protoc_and_the_well_known_types_ship_beside_the_assembly()
    {
        File.Exists(Protoc.Resolve()).ShouldBeTrue();
        File.Exists(Path.Combine(Protoc.IncludeDirectory, "google", "protobuf", "descriptor.proto")).ShouldBeTrue();
    }

    [Fact]
    public void a_protoc_that_lost_its_executable_bit_is_made_runnable()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Windows has no executable bit");
            return;
        }
        var copy = Path.Combine(workspace.Root, "tool", "protoc");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Protoc.Resolve(), copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var runnable = Protoc.EnsureExecutable(copy);

        using var process = Protoc.Start(new ProcessStartInfo(runnable, "--version") { RedirectStandardOutput = true })!;
        var version = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0);
        version.ShouldStartWith("libprotoc");
    }
}

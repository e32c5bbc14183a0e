namespace Stepwise.Cli.Tests;

/// <summary>Runs the stepwise command line in-process and captures what it prints.</summary>
internal static class Cli
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        // Never the machine's own contexts file: a test that wants one sets its own.
        Stepwise.Cli.Contexts.ContextsFile.PathOverride.Value ??= Path.Combine(Path.GetTempPath(), "stepwise-no-contexts-" + Guid.NewGuid().ToString("N"), "config.yaml");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = StepwiseCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static string RepoRoot() => Stepwise.Testing.Scratch.RepoRoot();

    public static string Sample(params string[] parts) => Path.Combine([RepoRoot(), "samples", .. parts]);

    public static string TempFile(string content, string name = "stepwise.yaml")
    {
        var dir = Directory.CreateTempSubdirectory("stepwise-cli-test-");
        var path = Path.Combine(dir.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }
}

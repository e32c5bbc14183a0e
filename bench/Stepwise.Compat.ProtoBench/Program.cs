using System.Diagnostics;
using System.Text.Json;
using Stepwise.Contracts;
using Stepwise.Contracts.Protobuf;

// Runs the Protobuf checker once on two contract trees so that the whole run (both protoc compiles,
// reading and comparing) can be timed from outside with /usr/bin/time -v beside buf breaking.
// Usage: Stepwise.Compat.ProtoBench <old> <new> [--full] [--json findings.json]
//   --full  compile every file on both sides (by default files identical on both sides, with identical
//           imports, are left out of both compiles)
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Stepwise.Compat.ProtoBench <old> <new> [--full] [--json findings.json]");
    return 2;
}
var watch = Stopwatch.StartNew();
IReadOnlyList<Finding> findings;
try
{
    findings = new ProtobufChecker { SkipUnchangedFiles = !args.Contains("--full") }.Compare(args[0], args[1]);
}
catch (ContractInputException e)
{
    Console.Error.WriteLine(e.Describe());
    return 2;
}
watch.Stop();
Console.WriteLine($"{findings.Count} findings in {watch.Elapsed.TotalSeconds:F2} s");
foreach (var group in findings.GroupBy(f => (f.RuleId, f.Direction)).OrderBy(g => g.Key.RuleId).ThenBy(g => g.Key.Direction))
{
    Console.WriteLine($"  {group.Key.RuleId,-45} {group.Key.Direction,-8} {group.Count(),6}");
}
var json = Array.IndexOf(args, "--json");
if (json >= 0 && json + 1 < args.Length)
{
    File.WriteAllText(args[json + 1], JsonSerializer.Serialize(findings, new JsonSerializerOptions { WriteIndented = true }));
}
return findings.Any(f => f.Severity == Severity.Error) ? 1 : 0;

using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Tests;

/// <summary>docs/clients.md is the normative reference: its JSON examples are what the library reads and writes, and
/// its option table names every option.</summary>
public sealed partial class DocsTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "clients.md"));

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    // Every property of a JSON object, recursively, as "path.name".
    private static IEnumerable<string> Properties(JsonElement element, string path = "")
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                yield return $"{path}{property.Name}";
                foreach (var inner in Properties(property.Value, $"{path}{property.Name}."))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var inner in Properties(item, path))
                {
                    yield return inner;
                }
            }
        }
    }

    [Fact]
    public void every_json_example_reads_as_its_wire_type_with_no_unknown_field()
    {
        var blocks = JsonBlock().Matches(Doc).Select(m => m.Groups[1].Value).ToList();
        blocks.Count.ShouldBeGreaterThanOrEqualTo(4);
        foreach (var json in blocks)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            Type type = root.TryGetProperty("calls", out _) ? typeof(TelemetryBatch)
                : root.TryGetProperty("accepted", out _) ? typeof(TelemetryAnswer)
                : root.TryGetProperty("minimumVersions", out _) ? typeof(PolicyDocument)
                : typeof(UpgradeRequiredProblem);
            var value = JsonSerializer.Deserialize(json, type, ClientsJson.Default).ShouldNotBeNull();
            // Written back, the library spells every field the example has.
            using var written = JsonDocument.Parse(JsonSerializer.Serialize(value, type, ClientsJson.Default));
            Properties(root).Except(Properties(written.RootElement)).ShouldBeEmpty(json);
        }
    }

    [Fact]
    public void the_option_table_names_every_option()
    {
        foreach (var option in typeof(StepwiseClientsOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Doc.ShouldContain($"`{option.Name}`");
        }
    }

    [Fact]
    public void the_upgrade_required_example_is_what_the_middleware_writes()
    {
        Doc.ShouldContain(Middleware.UpgradeRequiredResponse.Detail("orders", ClientIdentity.Create("ios-app", "4.2.1"), null,
            new Policy.RemovedRule("DELETE /orders/{id}", "1.4.0"), ClientVersion.Parse("4.0.0")));
        Doc.ShouldContain(Middleware.UpgradeRequiredResponse.Detail("orders", ClientIdentity.Create("ios-app", "3.9.0"),
            new Operations.Operation("GET /orders/{id}"), null, ClientVersion.Parse("4.0.0")));
    }
}

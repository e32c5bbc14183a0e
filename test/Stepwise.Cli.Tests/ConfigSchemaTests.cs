using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Stepwise.Cli.Commands.Operator;
using Stepwise.Core.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Cli.Tests;

/// <summary>
/// The published JSON Schema of stepwise.yaml (docs/schema/stepwise.schema.json) and the loader agree: every sample and
/// documented configuration, and what <c>stepwise init</c> writes, passes both; mutations that break the format are
/// refused by both.
/// </summary>
public sealed partial class ConfigSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Cli.RepoRoot(), "docs", "schema", "stepwise.schema.json")));

    public static TheoryData<string> Documents() => new() { "samples/orders/stepwise.yaml", "samples/shop/stepwise.yaml", "docs/cli.md", "init" };

    private static string Text(string document) => document switch
    {
        "init" => Init(),
        "docs/cli.md" => CliExample().Match(File.ReadAllText(Path.Combine(Cli.RepoRoot(), "docs", "cli.md"))).Groups[1].Value,
        _ => File.ReadAllText(Path.Combine(Cli.RepoRoot(), document)),
    };

    /// <summary>What <c>stepwise init --yes</c> writes, and <c>stepwise validate</c> accepts it.</summary>
    private static string Init()
    {
        var path = Path.Combine(Stepwise.Testing.Scratch.Directory("stepwise-init-"), "stepwise.yaml");
        var (exit, _, err) = Cli.Run("init", "--yes", "--service", "orders", "--output", path);
        exit.ShouldBe(ExitCodes.Ok, err);
        Cli.Run("validate", path).Exit.ShouldBe(ExitCodes.Ok);
        return File.ReadAllText(path);
    }

    [GeneratedRegex(@"## `stepwise\.yaml`.*?```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CliExample();

    [Theory]
    [MemberData(nameof(Documents))]
    public void every_sample_and_documented_configuration_passes_the_schema_and_the_loader(string document)
    {
        var yaml = Text(document);
        yaml.ShouldContain("services:");
        Should.NotThrow(() => ConfigLoader.Parse(yaml, document));
        var result = Evaluate(yaml);
        result.IsValid.ShouldBeTrue($"{document}: {Describe(result)}");
    }

    [Fact]
    public void init_points_editors_at_the_published_schema()
    {
        Init().ShouldStartWith($"# yaml-language-server: $schema={InitCommand.SchemaUrl}");
        JsonNode.Parse(File.ReadAllText(Path.Combine(Cli.RepoRoot(), "docs", "schema", "stepwise.schema.json")))!["$id"]!.GetValue<string>().ShouldBe(InitCommand.SchemaUrl);
    }

    /// <summary>Each mutation of the orders sample breaks the format; both the schema and the loader must refuse it.</summary>
    public static TheoryData<string, string, string> Mutations() => new()
    {
        { "an unknown top-level key", "version: 1\n", "version: 1\nrelease: 2\n" },
        { "an unknown policy key", "  bake: 6s\n", "  bake: 6s\n  bakes: 6s\n" },
        { "a duration without a unit", "  bake: 6s\n", "  bake: 6 seconds\n" },
        { "waves that are not numbers", "  waves: [50, 100]\n", "  waves: [half, all]\n" },
        { "no canary nodes", "  canary: { nodes: 1 }\n", "  canary: { nodes: 0 }\n" },
        { "an unknown metric kind", "        kind: distribution\n", "        kind: median\n" },
        { "a metric without a kind", "        kind: distribution\n", "" },
        { "an unknown store kind", "    kind: sqlite\n", "    kind: oracle\n" },
        { "an unknown release key", "        usesOldShapeOf: [contact-email]\n", "        usesOldShapeOf: [contact-email]\n        usesOldShape: [contact-email]\n" },
        { "a release without a version", "      - version: 1.0.0\n", "      - deprecates: []\n" },
        { "an unknown approval gate", "  stuckAfter: 2m\n", "  stuckAfter: 2m\n  approve: [after-lunch]\n" },
        { "services that are not a list", "services:\n", "services: orders\nx:\n" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void a_broken_configuration_is_refused_by_both(string what, string find, string replace)
    {
        var original = Text("samples/orders/stepwise.yaml");
        original.ShouldContain(find, Case.Sensitive, what);
        var mutated = original.Replace(find, replace, StringComparison.Ordinal);
        Evaluate(mutated).IsValid.ShouldBeFalse($"the schema accepts {what}");
        Should.Throw<ConfigException>(() => ConfigLoader.Parse(mutated, "stepwise.yaml"), $"the loader accepts {what}");
    }

    private static EvaluationResults Evaluate(string yaml) =>
        Schema.Evaluate(JsonDocument.Parse(ToJson(yaml)!.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });

    private static string Describe(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    /// <summary>YAML to JSON the way editors type it (YAML 1.2 core schema): plain scalars may be null, booleans or numbers.</summary>
    private static JsonNode? ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Node(stream.Documents[0].RootNode);
    }

    private static JsonNode? Node(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Node(c.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(Node).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } p => Plain(p.Value ?? ""),
        YamlScalarNode q => JsonValue.Create(q.Value ?? ""),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonNode? Plain(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text.Equals("true", StringComparison.OrdinalIgnoreCase));
        }
        if (IntegerRegex().IsMatch(text))
        {
            return JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture));
        }
        return FloatRegex().IsMatch(text) ? JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)) : JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRegex();
}

using System.Text;
using System.Text.Json.Nodes;

namespace Stepwise.Contracts.Tests;

/// <summary>
/// Seeded mutations of real contracts (bytes and structure) never crash the readers: every comparison either
/// returns findings or fails with a <see cref="ContractInputException"/>. A failing seed is printed and replays exactly.
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 250;

    public static TheoryData<string, int> Fixtures() => new()
    {
        { "petstore.yaml", 1 },
        { "petstore.yaml", 2 },
        { "order.schema.json", 3 },
        { "order.schema.json", 4 },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void mutated_contracts_never_crash_the_readers(string fixture, int seed)
    {
        var original = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture));
        var random = new Random(seed);
        using var files = new ContractFiles();
        var extension = Path.GetExtension(fixture);
        var originalPath = files.Write("original" + extension, original);
        var originalTree = JsonNode.Parse(Json.JsonSource.Load(originalPath).Root.GetRawText());
        for (var i = 0; i < Iterations; i++)
        {
            var mutant = random.Next(3) == 0 ? MutateText(original, random) : MutateTree(originalTree!, random);
            var mutantExtension = mutant.StartsWith('{') && random.Next(2) == 0 ? ".json" : extension;
            var mutantPath = files.Write($"mutant-{i}{mutantExtension}", mutant);
            AssertReadsOrRejects(originalPath, mutantPath, $"seed {seed}, iteration {i}");
            AssertReadsOrRejects(mutantPath, originalPath, $"seed {seed}, iteration {i} (reversed)");
        }
    }

    [Fact]
    public void mutated_github_descriptions_never_crash_the_reader()
    {
        var spec = Corpus.Require("octokit/22.0.0/package/generated/api.github.com.json");
        var original = File.ReadAllText(spec);
        var tree = JsonNode.Parse(original)!;
        var random = new Random(22);
        using var files = new ContractFiles();
        for (var i = 0; i < 4; i++)
        {
            var mutantPath = files.Write($"mutant-{i}.json", i == 0 ? MutateText(original, random) : MutateTree(tree, random));
            AssertReadsOrRejects(spec, mutantPath, $"github iteration {i}");
        }
    }

    private static void AssertReadsOrRejects(string oldPath, string newPath, string replay)
    {
        try
        {
            CompatRunner.Run(oldPath, newPath, cancellationToken: TestContext.Current.CancellationToken);
        }
        catch (ContractInputException e)
        {
            e.Message.ShouldNotBeNullOrWhiteSpace(replay);
        }
        catch (Exception e)
        {
            throw new ShouldAssertException($"{replay}: {e.GetType().Name} escaped the reader: {e}", e);
        }
    }

    private static string MutateText(string text, Random random)
    {
        var sb = new StringBuilder(text);
        var count = 1 + random.Next(3);
        for (var k = 0; k < count && sb.Length > 1; k++)
        {
            var at = random.Next(sb.Length);
            switch (random.Next(5))
            {
                case 0:
                    sb.Remove(at, Math.Min(sb.Length - at, 1 + random.Next(40)));
                    break;
                case 1:
                    const string junk = "{}[]\":,\0-#$'&*!|>\n\t ";
                    sb.Insert(at, junk[random.Next(junk.Length)]);
                    break;
                case 2:
                    sb[at] = (char)random.Next(32, 127);
                    break;
                case 3:
                    sb.Length = at;
                    break;
                default:
                    var from = random.Next(sb.Length);
                    sb.Insert(at, sb.ToString(from, Math.Min(sb.Length - from, random.Next(80))));
                    break;
            }
        }
        return sb.ToString();
    }

    private static readonly string[] Keywords =
        ["type", "$ref", "properties", "required", "items", "enum", "allOf", "oneOf", "anyOf", "nullable", "additionalProperties", "minimum", "exclusiveMinimum", "maxLength", "pattern", "format", "const", "prefixItems", "parameters", "requestBody", "responses", "content", "schema", "security", "in", "name", "headers", "deprecated", "paths", "components", "openapi"];

    private static string MutateTree(JsonNode original, Random random)
    {
        var tree = original.DeepClone();
        var nodes = new List<JsonNode>();
        Collect(tree, nodes);
        var count = 1 + random.Next(3);
        for (var k = 0; k < count; k++)
        {
            var target = nodes[random.Next(nodes.Count)];
            switch (target)
            {
                case JsonObject obj when random.Next(3) == 0 && obj.Count > 0:
                    obj.Remove(obj.ElementAt(random.Next(obj.Count)).Key);
                    break;
                case JsonObject obj:
                    obj[Keywords[random.Next(Keywords.Length)]] = RandomValue(random, tree, nodes);
                    break;
                case JsonArray array when array.Count > 0 && random.Next(2) == 0:
                    array.RemoveAt(random.Next(array.Count));
                    break;
                case JsonArray array:
                    array.Add(RandomValue(random, tree, nodes));
                    break;
                default:
                    if (target.Parent is JsonObject parent)
                    {
                        var key = parent.First(p => ReferenceEquals(p.Value, target)).Key;
                        parent[key] = RandomValue(random, tree, nodes);
                    }
                    break;
            }
        }
        return tree.ToJsonString();
    }

    private static JsonNode? RandomValue(Random random, JsonNode root, List<JsonNode> nodes) => random.Next(10) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(-5, 5)),
        2 => JsonValue.Create(random.Next(2) == 0),
        3 => JsonValue.Create(new[] { "string", "integer", "object", "array", "null", "number", "boolean", "nonsense" }[random.Next(8)]),
        4 => new JsonObject { ["$ref"] = new[] { "#", "#/", "#/components/schemas/Nope", "#/components", "other.json#/x", "#/paths", "#/$defs/line", "#/components/schemas/Pet", "%%%" }[random.Next(9)] },
        5 => new JsonArray(JsonValue.Create("a"), JsonValue.Create(1), null),
        6 => new JsonObject(),
        7 => JsonValue.Create(1e300),
        8 => nodes[random.Next(nodes.Count)].DeepClone(),
        _ => JsonValue.Create(new string('x', random.Next(3))),
    };

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }
        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Collect(value, nodes);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, nodes);
                }
                break;
        }
    }
}

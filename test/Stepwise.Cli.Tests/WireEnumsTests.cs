using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Tests;

/// <summary>
/// The native build has no runtime code generation, so every enum it writes or reads needs its own converter. This
/// walks every type the source-generated contexts list (their properties, elements and derived types) and checks that
/// each enum met on the way is spelled by a listed converter, not by the catch-all that only reflection-enabled builds have.
/// </summary>
public class WireEnumsTests
{
    [Fact]
    public void every_enum_reachable_from_a_source_generated_type_has_a_listed_converter()
    {
        var listed = CliJson.Options.Converters
            .Where(c => c.GetType().IsGenericType && c.GetType().GetGenericTypeDefinition() == typeof(JsonStringEnumConverter<>))
            .Select(c => c.GetType().GetGenericArguments()[0])
            .ToHashSet();
        List<Type> roots = [.. new[] { typeof(CoreJsonContext), typeof(ApiJsonContext), typeof(CliJsonContext) }
            .SelectMany(c => c.GetCustomAttributesData().Where(d => d.AttributeType == typeof(JsonSerializableAttribute)))
            .Select(d => (Type)d.ConstructorArguments[0].Value!)];
        roots.Count.ShouldBeGreaterThan(30);

        var seen = new HashSet<Type>();
        var enums = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type))
            {
                continue;
            }
            if (type.IsEnum)
            {
                enums.Add(type);
                continue;
            }
            var info = CliJson.Options.GetTypeInfo(type);
            foreach (var next in info.Properties.Select(p => p.PropertyType)
                         .Concat(info.ElementType is { } e ? [e] : [])
                         .Concat(info.KeyType is { } k ? [k] : [])
                         .Concat(info.PolymorphismOptions?.DerivedTypes.Select(d => d.DerivedType) ?? []))
            {
                queue.Enqueue(next);
            }
        }

        enums.ShouldNotBeEmpty();
        enums.Where(e => !listed.Contains(e)).Select(e => e.FullName).ShouldBeEmpty("enums a source-generated type reaches but no converter in WireEnums (or the layer's list) spells");
    }

    [Fact]
    public void enums_are_written_as_camel_case_names_and_guarantee_ids_as_in_the_docs()
    {
        SnapshotJson.Write(RolloutPhase.RehearsalBake, SnapshotJson.Options).ShouldBe("\"rehearsalBake\"");
        SnapshotJson.Write(GuaranteeId.G4, SnapshotJson.Options).ShouldBe("\"G4\"");
        SnapshotJson.Write(TokenKind.Agent, ApiJson.Options).ShouldBe("\"agent\"");
        Should.Throw<JsonException>(() => SnapshotJson.Read<RolloutPhase>("3", SnapshotJson.Options));
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stepwise.Core.Model;

/// <summary>
/// The one JSON form of snapshots, decisions and fleet files: camelCase names, enums as camelCase strings,
/// durations as "hh:mm:ss". A controller restart reloads its snapshot from this form.
/// </summary>
public static class SnapshotJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>
    /// For what a client reads from a server it may be older than (heartbeat replies, API answers, an agent's state
    /// written by a newer agent before a downgrade): members this build does not know are skipped, not refused, so
    /// adding a field is a compatible change. Whoever receives input (the server) keeps <see cref="Options"/>.
    /// </summary>
    public static JsonSerializerOptions Tolerant { get; } = Create(indented: false, tolerant: true);

    private static JsonSerializerOptions Create(bool indented, bool tolerant = false)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            AllowTrailingCommas = false,
            ReadCommentHandling = JsonCommentHandling.Skip,
            UnmappedMemberHandling = tolerant ? JsonUnmappedMemberHandling.Skip : JsonUnmappedMemberHandling.Disallow,
            // A key given twice is an error, never "the last one wins" ({"kind":"read",...,"kind":"admin"}).
            AllowDuplicateProperties = false,
            NumberHandling = JsonNumberHandling.Strict,
        };
        // Guarantee ids are written as in the docs ("G4"); every other enum as a camelCase name.
        options.Converters.Add(new JsonStringEnumConverter<GuaranteeId>(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize(Snapshot snapshot) => JsonSerializer.Serialize(snapshot, Options);

    public static Snapshot Deserialize(string json) =>
        JsonSerializer.Deserialize<Snapshot>(json, Options) ?? throw new JsonException("the snapshot is null");
}

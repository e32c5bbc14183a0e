using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Stepwise.Core.Model;

/// <summary>
/// The one JSON form of snapshots, decisions and fleet files: camelCase names, enums as camelCase strings,
/// durations as "hh:mm:ss". A controller restart reloads its snapshot from this form.
/// </summary>
/// <remarks>
/// Types are resolved from source-generated metadata (<see cref="CoreJsonContext"/>, and each layer's own context
/// added with <see cref="With"/>), so the native CLI serializes without reflection. Where reflection is enabled (every
/// build but the native one), a type no context lists still resolves through it.
/// </remarks>
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
            TypeInfoResolver = JsonTypeInfoResolver.Combine(CoreJsonContext.Default, ReflectionWhereEnabled()),
        };
        foreach (var converter in WireEnums.Converters())
        {
            options.Converters.Add(converter);
        }
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// The same settings as <paramref name="options"/>, resolving <paramref name="types"/> first and spelling
    /// <paramref name="enums"/> too: how a layer above Core adds its own source-generated types.
    /// </summary>
    public static JsonSerializerOptions With(this JsonSerializerOptions options, IJsonTypeInfoResolver types, params JsonConverter[] enums)
    {
        var extended = new JsonSerializerOptions(options) { TypeInfoResolver = JsonTypeInfoResolver.Combine(types, options.TypeInfoResolver) };
        for (var i = 0; i < enums.Length; i++)
        {
            // Before the catch-all enum converter of the reflection-enabled builds.
            extended.Converters.Insert(i, enums[i]);
        }
        extended.MakeReadOnly();
        return extended;
    }

    /// <summary>The metadata of <typeparamref name="T"/> in <paramref name="options"/> (fails clearly when no context lists it in the native build).</summary>
    public static JsonTypeInfo<T> Info<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary><paramref name="value"/> as JSON, by its static type.</summary>
    public static string Write<T>(T value, JsonSerializerOptions options) => JsonSerializer.Serialize(value, options.Info<T>());

    /// <summary><paramref name="value"/> as JSON, by its runtime type (for bodies typed <c>object</c>).</summary>
    public static string WriteObject(object value, JsonSerializerOptions options) => JsonSerializer.Serialize(value, options.GetTypeInfo(value.GetType()));

    public static T? Read<T>(string json, JsonSerializerOptions options) => JsonSerializer.Deserialize(json, options.Info<T>());

    public static T? Read<T>(JsonElement json, JsonSerializerOptions options) => json.Deserialize(options.Info<T>());

    public static string Serialize(Snapshot snapshot) => Write(snapshot, Options);

    public static Snapshot Deserialize(string json) =>
        Read<Snapshot>(json, Options) ?? throw new JsonException("the snapshot is null");

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only where reflection-based serialization is enabled; the native build turns it off and resolves every type from source-generated contexts.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above: never reached in the native build.")]
    private static IJsonTypeInfoResolver? ReflectionWhereEnabled() =>
        JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : null;
}

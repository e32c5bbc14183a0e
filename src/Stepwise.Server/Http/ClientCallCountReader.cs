using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>
/// Reads the entries of a telemetry body (<see cref="ClientCallCount"/>) with the same rules as every other body
/// (<see cref="SnapshotJson.Options"/>: names in any case, no unknown or repeated member, strict numbers), but takes
/// each app, version and operation from <see cref="Pool"/>: a body of 5,000 entries names a few hundred distinct
/// strings, so it allocates a few hundred strings instead of 15,000, and the sums that keep them share one copy.
/// </summary>
internal sealed class ClientCallCountReader : JsonConverter<ClientCallCount>
{
    /// <summary>The options telemetry bodies are read with.</summary>
    public static JsonSerializerOptions Options { get; } = new(SnapshotJson.Options) { Converters = { new ClientCallCountReader() } };

    public override ClientCallCount Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a calls entry is a JSON object {{\"app\", \"version\", \"operation\", \"count\"}}, not {Token(reader.TokenType)}");
        }
        string? app = null, version = null, operation = null;
        long? count = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var member = Member(ref reader);
            if ((seen & member) != 0)
            {
                throw new JsonException($"the member '{reader.GetString()}' appears twice in one calls entry; give each member once");
            }
            seen |= member;
            reader.Read();
            switch (member)
            {
                case App: app = Pool.Get(ref reader); break;
                case Version: version = Pool.Get(ref reader); break;
                case Operation: operation = Pool.Get(ref reader); break;
                default: count = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64(); break;
            }
        }
        return new ClientCallCount(app, version, operation, count);
    }

    public override void Write(Utf8JsonWriter writer, ClientCallCount value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, SnapshotJson.Options);

    private const int App = 1, Version = 2, Operation = 4, Count = 8;

    /// <summary>Which member the property name at the reader is, matched as every body's names are (ordinal, ignoring case).</summary>
    private static int Member(ref Utf8JsonReader reader)
    {
        Span<char> buffer = stackalloc char[16];
        var name = !reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length <= buffer.Length &&
                   Utf8.ToUtf16(reader.ValueSpan, buffer, out _, out var written) == System.Buffers.OperationStatus.Done
            ? buffer[..written]
            : reader.GetString().AsSpan();
        return name.Equals("app", StringComparison.OrdinalIgnoreCase) ? App
            : name.Equals("version", StringComparison.OrdinalIgnoreCase) ? Version
            : name.Equals("operation", StringComparison.OrdinalIgnoreCase) ? Operation
            : name.Equals("count", StringComparison.OrdinalIgnoreCase) ? Count
            : throw new JsonException($"'{Identifiers.Printable(reader.GetString()!)}' is not a member of a calls entry; an entry has app, version, operation and count");
    }

    private static string Token(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => token.ToString(),
    };

    /// <summary>
    /// One shared copy of each string telemetry names, up to <see cref="MaxStrings"/> of them (then strings are
    /// allocated as usual), each of at most 256 UTF-8 bytes: a few MiB at most, whatever the bodies hold.
    /// </summary>
    public static class Pool
    {
        public const int MaxStrings = 20_000;
        private const int MaxPooledBytes = 256;

        private static readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
        private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Strings.GetAlternateLookup<ReadOnlySpan<char>>();
        private static int count;

        /// <summary>How many strings the pool holds.</summary>
        public static int Count => Volatile.Read(ref count);

        /// <summary>The string value at the reader (null for JSON null), from the pool when it fits.</summary>
        public static string? Get(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxPooledBytes)
            {
                return reader.GetString();
            }
            Span<char> chars = stackalloc char[MaxPooledBytes];
            if (Utf8.ToUtf16(reader.ValueSpan, chars, out _, out var written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
            {
                return reader.GetString(); // it names what is wrong
            }
            var text = chars[..written];
            if (Lookup.TryGetValue(text, out var pooled))
            {
                return pooled;
            }
            var made = text.ToString();
            if (Volatile.Read(ref count) >= MaxStrings)
            {
                return made;
            }
            var kept = Strings.GetOrAdd(made, made);
            if (ReferenceEquals(kept, made))
            {
                Interlocked.Increment(ref count);
            }
            return kept;
        }
    }
}

using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Stepwise.Contracts.Json;

/// <summary>
/// The text of a member name or a string value, unescaped, without making a string when it can be helped: a large
/// description repeats a few thousand names and references hundreds of thousands of times, and looking each up in
/// a set or map needs only its characters. Text written without escapes that fits the caller's buffer is decoded
/// into it; any other is read as a string, so the result is always the text the name or value means.
/// </summary>
internal static class JsonText
{
    public static ReadOnlySpan<char> Name(JsonProperty property, Span<char> buffer) =>
        Decode(JsonMarshal.GetRawUtf8PropertyName(property), buffer, out var text) ? text : property.Name;

    /// <summary>The text of a string value (<paramref name="value"/> must be a string).</summary>
    public static ReadOnlySpan<char> Value(JsonElement value, Span<char> buffer) =>
        Decode(JsonMarshal.GetRawUtf8Value(value)[1..^1], buffer, out var text) ? text : value.GetString();

    private static bool Decode(ReadOnlySpan<byte> raw, Span<char> buffer, out ReadOnlySpan<char> text)
    {
        if (raw.Length > buffer.Length || raw.IndexOf((byte)'\\') >= 0)
        {
            text = default;
            return false;
        }
        text = buffer[..Encoding.UTF8.GetChars(raw, buffer)];
        return true;
    }
}

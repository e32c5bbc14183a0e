using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Stepwise.Contracts;

/// <summary>
/// Tells which kind of contract a path holds, without parsing it fully: a .proto file, a folder of .proto files or a
/// binary FileDescriptorSet is Protobuf; a JSON/YAML document with a top-level 'openapi' (or 'swagger') field is
/// OpenAPI; one with JSON Schema keywords at the top level is a JSON Schema.
/// </summary>
public static class ContractKindDetector
{
    private static readonly string[] DescriptorSetExtensions = [".pb", ".binpb", ".desc", ".protoset"];

    private static readonly HashSet<string> SchemaKeywords = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$defs", "definitions", "type", "properties", "items", "allOf", "anyOf", "oneOf", "$ref", "enum", "const", "required", "additionalProperties", "prefixItems",
    };

    /// <summary>Detects the kind of both sides; they must agree.</summary>
    public static ContractKind DetectPair(string oldPath, string newPath, ContractLimits? limits = null)
    {
        var oldKind = Detect(oldPath, limits);
        var newKind = Detect(newPath, limits);
        if (oldKind != newKind)
        {
            throw new ContractInputException(
                $"mismatched kinds: '{oldPath}' is {ContractCheckers.KindName(oldKind)} but '{newPath}' is {ContractCheckers.KindName(newKind)}; compare two contracts of the same kind");
        }
        return oldKind;
    }

    public static ContractKind Detect(string path, ContractLimits? limits = null)
    {
        if (Directory.Exists(path))
        {
            if (Directory.EnumerateFiles(path, "*.proto", SearchOption.AllDirectories).Any())
            {
                return ContractKind.Protobuf;
            }
            throw new ContractInputException("the directory holds no .proto files; pass a contract file or a folder of .proto files", path);
        }
        if (!File.Exists(path))
        {
            throw new ContractInputException("no such file or directory", path);
        }
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".proto" || DescriptorSetExtensions.Contains(extension))
        {
            return ContractKind.Protobuf;
        }
        byte[] bytes;
        try
        {
            // The top-level keys that tell the kind come first in nearly every contract: look at the start of
            // the file and read the rest only when the start does not decide.
            if (DetectFromPrefix(path) is { } early)
            {
                return early;
            }
            bytes = (limits ?? ContractLimits.Default).ReadFile(path, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContractInputException($"cannot read the file: {e.Message}", path, inner: e);
        }
        var content = bytes.AsSpan();
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }
        if (content.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new ContractInputException("the file is empty: expected an OpenAPI description, a JSON Schema or a protobuf contract", path);
        }
        if (IsBinary(content))
        {
            if (IsFileDescriptorSet(content))
            {
                return ContractKind.Protobuf;
            }
            throw new ContractInputException("the file is binary and not a protobuf FileDescriptorSet: expected JSON, YAML, .proto or a descriptor set", path);
        }
        var trimmed = content.TrimStart(" \t\r\n"u8);
        var keys = trimmed[0] == (byte)'{' || trimmed[0] == (byte)'[' ? JsonTopLevelKeys(content, path) : YamlTopLevelKeys(Encoding.UTF8.GetString(content), path);
        if (keys is null)
        {
            if (LooksLikeProtoSource(Encoding.UTF8.GetString(content)))
            {
                return ContractKind.Protobuf;
            }
            throw new ContractInputException("cannot tell the kind: the top level is not an object; pass --kind openapi|protobuf|jsonschema", path);
        }
        if (keys.Contains("openapi") || keys.Contains("swagger"))
        {
            return ContractKind.OpenApi;
        }
        if (keys.Overlaps(SchemaKeywords) || keys.Count == 0)
        {
            return ContractKind.JsonSchema;
        }
        throw new ContractInputException(
            $"cannot tell the kind: no 'openapi' field and no JSON Schema keyword at the top level (found: {string.Join(", ", keys.Take(8))}); pass --kind openapi|protobuf|jsonschema", path);
    }

    private const int PrefixLength = 64 * 1024;

    private static ContractKind? DetectFromPrefix(string path)
    {
        var buffer = new byte[PrefixLength];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        var content = buffer.AsSpan(0, read);
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }
        var trimmed = content.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{' || content.IndexOfAny(ControlBytes) >= 0)
        {
            return null;
        }
        var reader = new Utf8JsonReader(content, isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                if (key is "openapi" or "swagger")
                {
                    return ContractKind.OpenApi;
                }
                if (key is "$schema" or "$defs" or "definitions" or "properties")
                {
                    return ContractKind.JsonSchema;
                }
                if (!reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            return null; // the full read reports the error with its position
        }
        return null;
    }

    /// <summary>Text contracts hold no control bytes other than tab, line feed, form feed and carriage return.</summary>
    private static readonly System.Buffers.SearchValues<byte> ControlBytes = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, 0x20).Where(b => b is not ('\t' or '\n' or '\r' or 0x0C)).Select(b => (byte)b).ToArray());

    private static bool IsBinary(ReadOnlySpan<byte> content) => content.IndexOfAny(ControlBytes) >= 0 || !System.Text.Unicode.Utf8.IsValid(content);

    /// <summary>A FileDescriptorSet is a sequence of field-1 length-delimited records (FileDescriptorProto) filling the file exactly.</summary>
    internal static bool IsFileDescriptorSet(ReadOnlySpan<byte> bytes)
    {
        var position = 0;
        var records = 0;
        while (position < bytes.Length)
        {
            if (bytes[position] != 0x0A)
            {
                return false;
            }
            position++;
            ulong length = 0;
            var shift = 0;
            while (true)
            {
                if (position >= bytes.Length || shift > 63)
                {
                    return false;
                }
                var b = bytes[position++];
                length |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
                shift += 7;
            }
            if (length > (ulong)(bytes.Length - position))
            {
                return false;
            }
            position += (int)length;
            records++;
        }
        return records > 0;
    }

    private static bool LooksLikeProtoSource(string text) =>
        text.Contains("syntax = \"proto", StringComparison.Ordinal) || text.Contains("syntax=\"proto", StringComparison.Ordinal) || text.Contains("edition = \"", StringComparison.Ordinal);

    private static HashSet<string>? JsonTopLevelKeys(ReadOnlySpan<byte> content, string path)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(content, new JsonReaderOptions { MaxDepth = 512 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                keys.Add(reader.GetString()!);
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? (int)l + 1 : (int?)null;
            var column = e.BytePositionInLine is { } c ? (int)c + 1 : (int?)null;
            var message = e.Message;
            var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new ContractInputException($"invalid JSON: {(at > 0 ? message[..at].TrimEnd('.', ' ') : message)}", path, line, column, e);
        }
        return keys;
    }

    private static HashSet<string>? YamlTopLevelKeys(string text, string path)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _))
            {
                return null;
            }
            if (!parser.TryConsume<MappingStart>(out _))
            {
                return null;
            }
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                if (parser.TryConsume<Scalar>(out var key))
                {
                    keys.Add(key.Value);
                    if (key.Value is "openapi" or "swagger")
                    {
                        return keys; // decisive: no need to scan the rest of a large document
                    }
                }
                else
                {
                    parser.SkipThisAndNestedEvents();
                }
                parser.SkipThisAndNestedEvents();
            }
        }
        catch (YamlException e)
        {
            throw new ContractInputException($"invalid YAML: {e.InnerException?.Message ?? e.Message}", path, (int)e.Start.Line, (int)e.Start.Column, e);
        }
        catch (InvalidOperationException e)
        {
            throw new ContractInputException(Json.YamlJson.UnreadableYaml, path, inner: e);
        }
        return keys;
    }
}

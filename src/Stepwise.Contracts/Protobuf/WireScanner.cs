namespace Stepwise.Contracts.Protobuf;

/// <summary>
/// Splits a serialized FileDescriptorSet into its files and finds each file's source_code_info
/// without decoding or copying it. Source locations are most of a descriptor set's bytes but are needed only for
/// the few elements that get a finding, so they are decoded lazily, per file.
/// </summary>
internal static class WireScanner
{
    private const int LengthDelimited = 2;
    private const int FileDescriptorSetFile = 1;
    private const int FileDescriptorProtoSourceCodeInfo = 9;

    /// <summary>The byte ranges of the FileDescriptorProto entries in a FileDescriptorSet.</summary>
    public static List<Range> Files(ReadOnlySpan<byte> set)
    {
        var files = new List<Range>();
        var position = 0;
        while (position < set.Length)
        {
            var (field, wireType, _) = ReadTag(set, ref position);
            if (field == FileDescriptorSetFile && wireType == LengthDelimited)
            {
                var length = ReadLength(set, ref position);
                files.Add(new Range(position, position + length));
                position += length;
            }
            else
            {
                Skip(set, wireType, ref position);
            }
        }
        return files;
    }

    /// <summary>
    /// Finds a FileDescriptorProto's source_code_info field. Returns the field's byte range (tag included;
    /// empty at the end when there is none) and, in <paramref name="payload"/>, the encoded SourceCodeInfo.
    /// The bytes before and after the field together are the file without its source locations.
    /// </summary>
    public static Range FindSourceInfo(ReadOnlySpan<byte> file, out Range payload)
    {
        payload = new Range(file.Length, file.Length);
        var position = 0;
        while (position < file.Length)
        {
            var start = position;
            var (field, wireType, _) = ReadTag(file, ref position);
            if (field == FileDescriptorProtoSourceCodeInfo && wireType == LengthDelimited)
            {
                var length = ReadLength(file, ref position);
                payload = new Range(position, position + length);
                var end = position + length;
                // Check the rest is well formed too, so a damaged file is refused here rather than half-parsed.
                position = end;
                while (position < file.Length)
                {
                    var (_, restWireType, _) = ReadTag(file, ref position);
                    Skip(file, restWireType, ref position);
                }
                return new Range(start, end);
            }
            Skip(file, wireType, ref position);
        }
        return new Range(file.Length, file.Length);
    }

    private static (int Field, int WireType, int Start) ReadTag(ReadOnlySpan<byte> data, ref int position)
    {
        var start = position;
        var tag = ReadVarint(data, ref position);
        var field = (long)(tag >> 3);
        if (field <= 0 || field > 536_870_911)
        {
            throw Malformed($"invalid field number at byte {start}");
        }
        return ((int)field, (int)(tag & 7), start);
    }

    private static int ReadLength(ReadOnlySpan<byte> data, ref int position)
    {
        var length = ReadVarint(data, ref position);
        if (length > (ulong)(data.Length - position))
        {
            throw Malformed($"a length-delimited field at byte {position} runs past the end of the data");
        }
        return (int)length;
    }

    private static void Skip(ReadOnlySpan<byte> data, int wireType, ref int position)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint(data, ref position);
                break;
            case 1:
                Advance(data, ref position, 8);
                break;
            case 2:
                var length = ReadLength(data, ref position);
                position += length;
                break;
            case 5:
                Advance(data, ref position, 4);
                break;
            default:
                throw Malformed($"unsupported wire type {wireType} before byte {position}");
        }
    }

    private static void Advance(ReadOnlySpan<byte> data, ref int position, int count)
    {
        if (data.Length - position < count)
        {
            throw Malformed("the data ends inside a field");
        }
        position += count;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                throw Malformed("the data ends inside a varint");
            }
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw Malformed($"a varint before byte {position} is longer than 10 bytes");
    }

    private static FormatException Malformed(string what) => new(what);
}

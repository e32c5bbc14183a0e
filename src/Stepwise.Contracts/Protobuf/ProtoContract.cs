using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Stepwise.Contracts.Protobuf;

/// <summary>A place in a .proto source, 1-based.</summary>
internal readonly record struct SourcePosition(string File, int Line, int Column);

/// <summary>One compiled .proto file of a contract, with its source locations decoded on first use.</summary>
internal sealed class ProtoFile
{
    private readonly ReadOnlyMemory<byte> sourceInfo;
    private readonly Lazy<Dictionary<string, (int Line, int Column)>> locations;

    public ProtoFile(FileDescriptorProto proto, string displayPath, ReadOnlyMemory<byte> sourceInfo, bool unchanged = false)
    {
        Proto = proto;
        Unchanged = unchanged;
        DisplayPath = displayPath;
        this.sourceInfo = sourceInfo;
        locations = new Lazy<Dictionary<string, (int, int)>>(DecodeLocations, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public FileDescriptorProto Proto { get; }

    /// <summary>The file is byte-identical on both sides, and so are its imports: its elements are the same on both sides and are not compared.</summary>
    public bool Unchanged { get; }

    /// <summary>The path a person opens: the source file for compiled input, the file's name inside a descriptor set otherwise.</summary>
    public string DisplayPath { get; }

    public string Package => Proto.Package;

    public bool IsEditions => Proto.Syntax == "editions";

    public bool IsProto3 => Proto.Syntax == "proto3";

    /// <summary>The position of the element at <paramref name="path"/> (a SourceCodeInfo path), or of its nearest enclosing element that has one.</summary>
    public SourcePosition Position(ReadOnlySpan<int> path)
    {
        var map = locations.Value;
        for (var length = path.Length; length > 0; length--)
        {
            if (map.TryGetValue(Key(path[..length]), out var at))
            {
                return new SourcePosition(DisplayPath, at.Line, at.Column);
            }
        }
        return new SourcePosition(DisplayPath, 1, 1);
    }

    private Dictionary<string, (int, int)> DecodeLocations()
    {
        var map = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        if (sourceInfo.Length == 0)
        {
            return map;
        }
        SourceCodeInfo info;
        try
        {
            info = SourceCodeInfo.Parser.ParseFrom(sourceInfo.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            // Locations only place findings; a damaged location table degrades to file-level positions.
            return map;
        }
        foreach (var location in info.Location)
        {
            if (location.Span.Count < 3)
            {
                continue;
            }
            map.TryAdd(Key(location.Path.ToArray()), (location.Span[0] + 1, location.Span[1] + 1));
        }
        return map;
    }

    private static string Key(ReadOnlySpan<int> path) => string.Join('.', path.ToArray());
}

internal sealed class ProtoMessage(string fullName, DescriptorProto proto, ProtoFile file, int[] path, ProtoMessage? parent)
{
    public string FullName { get; } = fullName;
    public DescriptorProto Proto { get; } = proto;
    public ProtoFile File { get; } = file;
    public int[] Path { get; } = path;
    public ProtoMessage? Parent { get; } = parent;
    public bool IsMapEntry => Proto.Options?.MapEntry == true;
    public Dictionary<int, ProtoField> FieldsByNumber { get; } = new();
}

internal sealed class ProtoField(FieldDescriptorProto proto, ProtoFile file, int[] path, ProtoMessage? owner, string scope)
{
    public FieldDescriptorProto Proto { get; } = proto;
    public ProtoFile File { get; } = file;
    public int[] Path { get; } = path;

    /// <summary>The message the field is declared in (for extensions: the message or file scope they are declared in, not the extendee).</summary>
    public ProtoMessage? Owner { get; } = owner;

    public string FullName { get; } = scope.Length == 0 ? proto.Name : scope + "." + proto.Name;
    public bool IsExtension => Proto.HasExtendee;
    public int Number => Proto.Number;
    public string Name => Proto.Name;
    public string TypeName => Proto.TypeName.TrimStart('.');

    /// <summary>The JSON name: json_name as compiled, else protobuf's default lowerCamelCase of the field name.</summary>
    public string JsonName => Proto.HasJsonName ? Proto.JsonName : DefaultJsonName(Proto.Name);

    /// <summary>Whether the field sits in a real oneof (not the synthetic one proto3 'optional' creates).</summary>
    public string? OneofName
    {
        get
        {
            if (!Proto.HasOneofIndex || Proto.Proto3Optional || Owner is null || Proto.OneofIndex < 0 || Proto.OneofIndex >= Owner.Proto.OneofDecl.Count)
            {
                return null;
            }
            return Owner.Proto.OneofDecl[Proto.OneofIndex].Name;
        }
    }

    internal static string DefaultJsonName(string name)
    {
        var result = new System.Text.StringBuilder(name.Length);
        var upperNext = false;
        foreach (var c in name)
        {
            if (c == '_')
            {
                upperNext = true;
            }
            else if (upperNext)
            {
                result.Append(char.ToUpperInvariant(c));
                upperNext = false;
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }
}

internal sealed class ProtoEnum(string fullName, EnumDescriptorProto proto, ProtoFile file, int[] path, ProtoMessage? parent)
{
    public string FullName { get; } = fullName;
    public EnumDescriptorProto Proto { get; } = proto;
    public ProtoFile File { get; } = file;
    public int[] Path { get; } = path;
    public ProtoMessage? Parent { get; } = parent;
    public string Name => Proto.Name;
}

internal sealed class ProtoService(string fullName, ServiceDescriptorProto proto, ProtoFile file, int[] path)
{
    public string FullName { get; } = fullName;
    public ServiceDescriptorProto Proto { get; } = proto;
    public ProtoFile File { get; } = file;
    public int[] Path { get; } = path;
    public bool IsDeprecated => Proto.Options?.Deprecated == true;
}

/// <summary>
/// A compiled Protobuf contract indexed by what the wire and JSON see: fully qualified names and field
/// numbers. Which file an element lives in does not matter, so moving or splitting files is no change.
/// </summary>
internal sealed class ProtoContract
{
    // SourceCodeInfo path components (descriptor.proto field numbers).
    internal const int FileMessageType = 4, FileEnumType = 5, FileService = 6, FileExtension = 7, FilePackage = 2;
    internal const int MessageField = 2, MessageNestedType = 3, MessageEnumType = 4, MessageExtension = 6;
    internal const int FieldName = 1, FieldType = 5, FieldTypeName = 6, FieldDefault = 7, FieldJsonName = 10;
    internal const int EnumValue = 2, EnumValueNumber = 2;
    internal const int ServiceMethod = 2, MethodInputType = 2, MethodOutputType = 3;

    public ProtoContract(string source, IReadOnlyList<ProtoFile> files)
    {
        Source = source;
        Files = files;
        foreach (var file in files)
        {
            if (!FilesByName.TryAdd(file.Proto.Name, file))
            {
                throw new ContractInputException($"the descriptor set holds the file '{file.Proto.Name}' twice; build it with one protoc run", source);
            }
            Index(file);
        }
        CheckReferences();
    }

    public string Source { get; }
    public IReadOnlyList<ProtoFile> Files { get; }
    public Dictionary<string, ProtoFile> FilesByName { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ProtoMessage> Messages { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ProtoEnum> Enums { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ProtoService> Services { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Extendee, int Number), ProtoField> Extensions { get; } = new();

    private void Index(ProtoFile file)
    {
        var proto = file.Proto;
        var scope = proto.Package;
        for (var i = 0; i < proto.MessageType.Count; i++)
        {
            IndexMessage(file, proto.MessageType[i], scope, [FileMessageType, i], null);
        }
        for (var i = 0; i < proto.EnumType.Count; i++)
        {
            AddEnum(new ProtoEnum(Qualify(scope, proto.EnumType[i].Name), proto.EnumType[i], file, [FileEnumType, i], null));
        }
        for (var i = 0; i < proto.Extension.Count; i++)
        {
            AddExtension(new ProtoField(proto.Extension[i], file, [FileExtension, i], null, scope));
        }
        for (var i = 0; i < proto.Service.Count; i++)
        {
            var service = new ProtoService(Qualify(scope, proto.Service[i].Name), proto.Service[i], file, [FileService, i]);
            if (!Services.TryAdd(service.FullName, service))
            {
                throw Duplicate(service.FullName, file);
            }
        }
    }

    private void IndexMessage(ProtoFile file, DescriptorProto proto, string scope, int[] path, ProtoMessage? parent)
    {
        var message = new ProtoMessage(Qualify(scope, proto.Name), proto, file, path, parent);
        if (!Messages.TryAdd(message.FullName, message))
        {
            throw Duplicate(message.FullName, file);
        }
        for (var i = 0; i < proto.Field.Count; i++)
        {
            var field = new ProtoField(proto.Field[i], file, [.. path, MessageField, i], message, message.FullName);
            if (!message.FieldsByNumber.TryAdd(field.Number, field))
            {
                throw new ContractInputException($"message {message.FullName} uses field number {field.Number} twice", file.DisplayPath);
            }
        }
        for (var i = 0; i < proto.NestedType.Count; i++)
        {
            IndexMessage(file, proto.NestedType[i], message.FullName, [.. path, MessageNestedType, i], message);
        }
        for (var i = 0; i < proto.EnumType.Count; i++)
        {
            AddEnum(new ProtoEnum(Qualify(message.FullName, proto.EnumType[i].Name), proto.EnumType[i], file, [.. path, MessageEnumType, i], message));
        }
        for (var i = 0; i < proto.Extension.Count; i++)
        {
            AddExtension(new ProtoField(proto.Extension[i], file, [.. path, MessageExtension, i], message, message.FullName));
        }
    }

    private void AddEnum(ProtoEnum value)
    {
        if (!Enums.TryAdd(value.FullName, value))
        {
            throw Duplicate(value.FullName, value.File);
        }
    }

    private void AddExtension(ProtoField extension)
    {
        // Two extensions of one message with one number cannot both be linked into a program; the later one is ignored here
        // rather than refusing a descriptor set that protoc itself accepted.
        Extensions.TryAdd((extension.Proto.Extendee.TrimStart('.'), extension.Number), extension);
    }

    private ContractInputException Duplicate(string fullName, ProtoFile file) =>
        new($"'{fullName}' is defined twice in the contract", file.DisplayPath);

    /// <summary>A descriptor set built without --include_imports leaves types undefined; say so instead of comparing half a contract.</summary>
    private void CheckReferences()
    {
        foreach (var message in Messages.Values)
        {
            foreach (var field in message.FieldsByNumber.Values)
            {
                CheckType(field);
            }
        }
        foreach (var extension in Extensions.Values)
        {
            CheckType(extension);
        }
        foreach (var service in Services.Values)
        {
            foreach (var method in service.Proto.Method)
            {
                foreach (var type in new[] { method.InputType, method.OutputType })
                {
                    if (!Messages.ContainsKey(type.TrimStart('.')))
                    {
                        throw Unresolved($"RPC {service.FullName}.{method.Name}", type, service.File);
                    }
                }
            }
        }
    }

    private void CheckType(ProtoField field)
    {
        var type = field.Proto.Type;
        if (type is FieldDescriptorProto.Types.Type.Message or FieldDescriptorProto.Types.Type.Group)
        {
            if (!Messages.ContainsKey(field.TypeName))
            {
                throw Unresolved($"field {field.FullName}", field.Proto.TypeName, field.File);
            }
        }
        else if (type == FieldDescriptorProto.Types.Type.Enum && !Enums.ContainsKey(field.TypeName))
        {
            throw Unresolved($"field {field.FullName}", field.Proto.TypeName, field.File);
        }
        else if (!Enum.IsDefined(type))
        {
            throw new ContractInputException($"field {field.FullName} has an unknown type ({(int)type}); the descriptor set is damaged or newer than Stepwise understands", field.File.DisplayPath);
        }
    }

    private ContractInputException Unresolved(string what, string type, ProtoFile file) =>
        new($"{what} refers to '{type.TrimStart('.')}', which is not in the contract; build the descriptor set with protoc --include_imports", file.DisplayPath);

    private static string Qualify(string scope, string name) => scope.Length == 0 ? name : scope + "." + name;
}

namespace Stepwise.Contracts.Protobuf;

/// <summary>
/// Protobuf compatibility: both sides are compiled (concurrently) into descriptor sets and compared on
/// what the binary and JSON encodings and the gRPC service surface see. Accepts a folder of .proto files,
/// one .proto file, or a ready FileDescriptorSet on either side.
/// </summary>
public sealed class ProtobufChecker : IContractChecker
{
    public ContractKind Kind => ContractKind.Protobuf;

    /// <summary>
    /// When both sides are folders, leave out of both compiles the files that are byte-identical on both
    /// sides and import only such files (they cannot differ). On by default; off compiles every file.
    /// </summary>
    public bool SkipUnchangedFiles { get; init; } = true;

    /// <summary>Size cap for a descriptor set read from a file.</summary>
    public ContractLimits Limits { get; init; } = ContractLimits.Default;

    /// <summary>The most files one protoc run compiles; larger folders are compiled in slices to bound protoc's memory.</summary>
    internal int FilesPerCompile { get; init; } = ProtoContractReader.DefaultFilesPerCompile;

    public IReadOnlyList<Finding> Compare(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        ProtoContract oldContract, newContract;
        if (Directory.Exists(oldPath) && Directory.Exists(newPath))
        {
            (oldContract, newContract) = ProtoContractReader.ReadFolders(oldPath, newPath, SkipUnchangedFiles, FilesPerCompile, cancellationToken);
        }
        else
        {
            (oldContract, newContract) = ProtoContractReader.Await(
                Task.Run(() => ProtoContractReader.Read(oldPath, cancellationToken, Limits), cancellationToken),
                Task.Run(() => ProtoContractReader.Read(newPath, cancellationToken, Limits), cancellationToken),
                cancellationToken);
        }
        return new ProtobufComparer(oldContract, newContract).Compare();
    }
}

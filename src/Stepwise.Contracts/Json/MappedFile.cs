using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Stepwise.Contracts.Json;

/// <summary>
/// A file's bytes mapped read-only into memory, for large contracts. Reading a file copies it into fresh memory, and
/// the first touch of every fresh page costs a fault; a mapping shares the pages the file already has in the page
/// cache, so a 12 MB description is ready in a few milliseconds instead of tens. The mapping stays until the
/// <see cref="JsonSource"/> that owns it is disposed (never earlier: a span over it cannot outlive it). Like every
/// reader that maps files (git's index and packs, compilers' sources), this assumes the file is not truncated
/// while it is compared.
/// </summary>
internal sealed unsafe class MappedFile : MemoryManager<byte>
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private readonly int _length;
    private int _released;

    private MappedFile(FileStream stream, int length)
    {
        _file = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + _view.PointerOffset;
            _length = length;
        }
        catch
        {
            _view?.Dispose();
            _file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Maps the whole of an open file of <paramref name="length"/> bytes (its length when opened); null when the file
    /// system cannot map it, and the caller reads it instead.
    /// </summary>
    public static ReadOnlyMemory<byte>? TryMap(FileStream stream, int length)
    {
        try
        {
            return new MappedFile(stream, length).Memory;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Whether the mapping was released (the owning source disposed).</summary>
    internal bool Released => Volatile.Read(ref _released) == 1;

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => Release();

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}

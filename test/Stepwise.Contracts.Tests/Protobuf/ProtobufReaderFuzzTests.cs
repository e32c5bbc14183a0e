using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>Seeded mutations of real .proto sources and descriptor sets: the reader returns findings or refuses with ContractInputException, never anything else.</summary>
public sealed class ProtobufReaderFuzzTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static readonly string[] Tokens = ["message", "enum", "{", "}", ";", "=", "\"", "repeated", "map<", "oneof", "reserved", "import", "option", "rpc", "stream", "0", "-1", "99999999999", "\n", "//", "/*", "\0", "é"];

    /// <summary>Real .proto files: the well-known types that ship with Stepwise.</summary>
    private static List<string> RealProtoFiles() =>
        Directory.EnumerateFiles(Path.Combine(Protoc.IncludeDirectory, "google", "protobuf"), "*.proto").Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void mutated_proto_sources_never_crash_the_reader()
    {
        var sources = RealProtoFiles();
        sources.Count.ShouldBeGreaterThan(5);
        var random = new Random(20261121);
        for (var iteration = 0; iteration < 60; iteration++)
        {
            var original = File.ReadAllText(sources[random.Next(sources.Count)]);
            var mutated = MutateText(original, random);
            var oldFile = workspace.Write($"src{iteration}/old/contract.proto", mutated);
            var newFile = workspace.Write($"src{iteration}/new/contract.proto", original);
            AssertReadsOrRefuses(oldFile, newFile, $"source mutation {iteration}");
        }
    }

    [Fact]
    public void mutated_descriptor_sets_never_crash_the_reader()
    {
        var root = Protoc.IncludeDirectory;
        var set = Protoc.Compile(root, ["google/protobuf/descriptor.proto", "google/protobuf/type.proto"], TestContext.Current.CancellationToken);
        var originalPath = workspace.WriteBytes("sets/original.pb", set);
        var random = new Random(4242);
        for (var iteration = 0; iteration < 300; iteration++)
        {
            var mutated = MutateBytes(set, random);
            var path = workspace.WriteBytes($"sets/mutated{iteration}.pb", mutated);
            AssertReadsOrRefuses(path, originalPath, $"descriptor mutation {iteration}");
        }
    }

    private static void AssertReadsOrRefuses(string oldPath, string newPath, string what)
    {
        try
        {
            new ProtobufChecker().Compare(oldPath, newPath, TestContext.Current.CancellationToken);
        }
        catch (ContractInputException)
        {
            // Refusing bad input is the allowed outcome.
        }
        catch (Exception e)
        {
            Assert.Fail($"{what} crashed the reader with {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    private static string MutateText(string text, Random random)
    {
        var count = random.Next(1, 4);
        for (var i = 0; i < count && text.Length > 1; i++)
        {
            var at = random.Next(text.Length);
            var length = Math.Min(random.Next(1, 40), text.Length - at);
            text = random.Next(5) switch
            {
                0 => text.Remove(at, length),
                1 => text.Insert(at, text.Substring(at, length)),
                2 => text.Insert(at, Tokens[random.Next(Tokens.Length)]),
                3 => text[..at],
                _ => text.Remove(at, 1).Insert(at, ((char)random.Next(32, 127)).ToString()),
            };
        }
        return text.Length == 0 ? " " : text;
    }

    private static byte[] MutateBytes(byte[] data, Random random)
    {
        var bytes = data.ToList();
        var count = random.Next(1, 6);
        for (var i = 0; i < count && bytes.Count > 1; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 64), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return bytes.Count == 0 ? [0x0A] : [.. bytes];
    }
}

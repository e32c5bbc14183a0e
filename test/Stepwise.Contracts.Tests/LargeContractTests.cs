using System.Runtime.InteropServices;
using System.Text;
using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Tests;

/// <summary>
/// How large descriptions are read and located: a file of a mebibyte or more is mapped rather than copied, references
/// into large objects go through an index, and findings are located by walking the parsed document. Each must give
/// exactly what reading, scanning and tokenizing the whole file gave.
/// </summary>
public sealed class LargeContractTests
{
    /// <summary>A description padded past the mapping threshold with an extension the comparison ignores.</summary>
    private static string Large(string paths, string schemas = "{}") =>
        "\uFEFF{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\"title\": \"t\", \"version\": \"1\"},\n"
        + $"  \"x-padding\": \"{new string('p', (int)ContractLimits.MapFromBytes)}\",\n"
        + $"  \"paths\": {paths},\n  \"components\": {{\"schemas\": {schemas}}}\n}}\n";

    [Fact]
    public void a_large_file_is_mapped_and_reads_as_the_same_bytes()
    {
        using var files = new ContractFiles();
        var path = files.Write("big.json", Large("{}"));
        var content = ContractLimits.Default.ReadContent(path, path);
        MemoryMarshal.TryGetMemoryManager(content, out MappedFile? mapped).ShouldBeTrue();
        content.Span.SequenceEqual(File.ReadAllBytes(path)).ShouldBeTrue();
        ((IDisposable)mapped!).Dispose();
        mapped.Released.ShouldBeTrue();

        var small = files.Write("small.json", "{}");
        MemoryMarshal.TryGetMemoryManager(ContractLimits.Default.ReadContent(small, small), out MappedFile? _).ShouldBeFalse();
    }

    [Fact]
    public void a_source_disposed_releases_its_mapping_and_a_bad_large_file_leaves_none()
    {
        using var files = new ContractFiles();
        var path = files.Write("big.json", Large("{}"));
        var source = JsonSource.Load(path);
        var mapped = source.Mapping.ShouldNotBeNull();
        source.Dispose();
        mapped.Released.ShouldBeTrue();
        source.Dispose(); // twice is harmless

        // Invalid JSON past the threshold: the error names the line, and the mapping read for it is released.
        var broken = files.Write("broken.json", Large("{,}"));
        var error = Should.Throw<ContractInputException>(() => JsonSource.Load(broken));
        error.Message.ShouldStartWith("invalid JSON");
        error.Line.ShouldBe(5);
    }

    [Fact]
    public void json_with_a_nul_byte_is_binary_and_json_that_is_not_utf8_says_so_whatever_the_size()
    {
        using var files = new ContractFiles();
        foreach (var padded in new[] { false, true })
        {
            var text = padded ? Large("{}") : "{\"openapi\": \"3.1.0\", \"paths\": {}}";
            var at = text.IndexOf("paths", StringComparison.Ordinal);
            var bytes = Encoding.UTF8.GetBytes(text);

            var nul = (byte[])bytes.Clone();
            nul[at] = 0; // valid UTF-8, but never JSON
            Should.Throw<ContractInputException>(() => JsonSource.Load(files.Write($"nul{padded}.json", nul))).Message.ShouldContain("binary");

            var latin1 = (byte[])bytes.Clone();
            latin1[at] = 0xE9; // a Latin-1 'é' inside a string: parses, but is not UTF-8
            Should.Throw<ContractInputException>(() => JsonSource.Load(files.Write($"latin{padded}.json", latin1))).Message.ShouldContain("not UTF-8");

            var both = (byte[])latin1.Clone();
            both[at + 1] = 0;
            Should.Throw<ContractInputException>(() => JsonSource.Load(files.Write($"both{padded}.json", both))).Message.ShouldContain("binary");
        }
    }

    [Fact]
    public void a_large_description_compares_like_the_same_description_small()
    {
        const string oldSchemas = "{\"Pet\": {\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}, \"age\": {\"type\": \"integer\"}}}}";
        const string newSchemas = "{\"Pet\": {\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}}, \"required\": [\"name\"]}}";
        const string paths = "{\"/pets\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Pet\"}}}}, \"responses\": {\"200\": {\"description\": \"ok\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Pet\"}}}}}}}}";
        using var files = new ContractFiles();
        var large = files.CompareOpenApi(Large(paths, oldSchemas), Large(paths, newSchemas));
        var small = files.CompareOpenApi(Large(paths, oldSchemas).Replace(new string('p', (int)ContractLimits.MapFromBytes), "p"), Large(paths, newSchemas).Replace(new string('p', (int)ContractLimits.MapFromBytes), "p"));
        large.ShouldNotBeEmpty();
        large.Select(f => (f.RuleId, f.Location, f.Message, f.Line, f.Column)).ShouldBe(small.Select(f => (f.RuleId, f.Location, f.Message, f.Line, f.Column)));
    }

    [Fact]
    public void a_pointer_is_located_at_its_member_name_or_item_or_nearest_existing_ancestor()
    {
        const string json = "{\n  \"a\": {\"x\": 1},\n  \"a\": {\n    \"x\": 2,\n    \"b/c\": [10,\n      {\"d~e\": true}]\n  },\n  \"f\\u0067\": 3\n}";
        using var files = new ContractFiles();
        var source = JsonSource.Load(files.Write("doc.json", json));
        var at = source.LocateAll(["", "/a", "/a/x", "/a/b~1c", "/a/b~1c/0", "/a/b~1c/1/d~0e", "/a/b~1c/01", "/a/b~1c/7", "/fg", "/a/missing/deeper"]);
        at[""].ShouldBe((1, 1));
        at["/a"].ShouldBe((3, 3)); // the last member of a repeated name, as a reader of the file meets them
        at["/a/x"].ShouldBe((4, 5));
        at["/a/b~1c"].ShouldBe((5, 5));
        at["/a/b~1c/0"].ShouldBe((5, 13));
        at["/a/b~1c/1/d~0e"].ShouldBe((6, 8));
        at["/a/b~1c/01"].ShouldBe((5, 5)); // not an index as written: the array itself
        at["/a/b~1c/7"].ShouldBe((5, 5));
        at["/fg"].ShouldBe((8, 3)); // matched by the name it means, escapes undone
        at["/a/missing/deeper"].ShouldBe((3, 3));
        source.Locate("/a/x").ShouldBe((4, 5));
    }

    [Fact]
    public void a_reference_into_a_large_object_finds_what_a_lookup_by_name_finds()
    {
        var members = Enumerable.Range(0, 40).Select(i => $"\"s{i}\": {{\"title\": \"{i}\"}}").ToList();
        members.Add("\"s3\": {\"title\": \"repeated\"}");
        members.Add("\"a/b~c\": {\"title\": \"escaped\"}");
        members.Add("\"with space\": {\"title\": \"encoded\"}");
        var json = $"{{\"components\": {{\"schemas\": {{{string.Join(", ", members)}}}}}}}";
        using var files = new ContractFiles();
        var source = JsonSource.Load(files.Write("doc.json", json));
        using var documents = new DocumentSet(source);
        foreach (var reference in new[] { "#/components/schemas/s3", "#/components/schemas/s39", "#/components/schemas/a~1b~0c", "#/components/schemas/with%20space" })
        {
            var fragment = JsonPointer.DecodeFragment(reference[1..]);
            JsonPointer.TryEvaluate(source.Root, fragment, out var expected).ShouldBeTrue();
            var found = documents.ResolveReference(documents.RootNode, reference);
            found.Element.GetRawText().ShouldBe(expected.GetRawText(), reference);
        }
        documents.ResolveReference(documents.RootNode, "#/components/schemas/s3").Element.GetProperty("title").GetString().ShouldBe("repeated");
        Should.Throw<ContractInputException>(() => documents.ResolveReference(documents.RootNode, "#/components/schemas/missing")).Message.ShouldContain("nothing at");
    }
}

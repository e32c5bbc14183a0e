using System.Text.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.Tests;

/// <summary>The one-pass keyword table a view is read from finds what a lookup by name finds.</summary>
public sealed class SchemaKeywordsTests
{
    [Fact]
    public void every_keyword_is_found_as_a_lookup_by_name_finds_it()
    {
        const string json = """
            {"type": "string", "x-a-very-long-extension-name-that-is-no-keyword": 1, "\u006DaxLength": 5,
             "type": "integer", "not": {"type": "null"}, "additionalItems": false, "description": "d"}
            """;
        using var document = JsonDocument.Parse(json);
        var keywords = SchemaKeywords.Of(document.RootElement);
        keywords.TryGet(Keyword.Type, out var type).ShouldBeTrue();
        type.GetString().ShouldBe(document.RootElement.GetProperty("type").GetString()); // the last of a repeated name
        type.GetString().ShouldBe("integer");
        keywords.Number(Keyword.MaxLength).ShouldBe(5m); // escaped in the file, matched by the name it means
        keywords.TryGetUnmodeled(Array.IndexOf(SchemaView.UnmodeledKeywords, "not"), out var not).ShouldBeTrue();
        not.GetRawText().ShouldBe("""{"type": "null"}""");
        keywords.TryGetUnmodeled(Array.IndexOf(SchemaView.UnmodeledKeywords, "additionalItems"), out _).ShouldBeTrue();
        keywords.TryGet(Keyword.Format, out _).ShouldBeFalse();
        foreach (var keyword in Enum.GetValues<Keyword>().Where(k => k != Keyword.FirstUnmodeled))
        {
            if (keyword is not (Keyword.Type or Keyword.MaxLength))
            {
                keywords.TryGet(keyword, out _).ShouldBeFalse(keyword.ToString());
            }
        }
        SchemaKeywords.Of(JsonDocument.Parse("true").RootElement).TryGet(Keyword.Type, out _).ShouldBeFalse();
        ((int)Keyword.FirstUnmodeled + SchemaView.UnmodeledKeywords.Length).ShouldBeLessThanOrEqualTo(64);
    }
}

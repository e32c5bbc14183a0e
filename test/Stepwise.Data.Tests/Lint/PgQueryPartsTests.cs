using System.Globalization;
using System.Text;
using CsCheck;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Tests.Lint;

/// <summary>
/// A large script is parsed in parts on several cores, cut after a ';' that ends a line. Whatever the cut falls in (a
/// literal, a quoted name, a comment, a function body, an unfinished statement), the result must be the one parse of
/// the whole script gives: the same statements, texts, offsets and parse trees, or the same error.
/// </summary>
public sealed class PgQueryPartsTests
{
    /// <summary>Places where a ';' ends a line without ending a statement, or ends one in an unusual way.</summary>
    public static readonly string[] Fragments =
    [
        "-- a comment that ends in a semicolon;\n",
        "SELECT 1 -- the statement goes on after this comment;\n;\n",
        "SELECT 1 -- and ends with an empty statement after a comment;\n/* c */;\n",
        "/* a block comment;\n over lines;\n */\n",
        "/* nested /* comments;\n */ still open;\n */\n",
        "SELECT 'a literal;\nover lines;\n';\n",
        "SELECT E'an escaped \\' literal;\n';\n",
        "SELECT \"a quoted;\nname\" FROM t;\n",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1;\nSELECT 2;\n$$;\n",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1;\n$body$;\n",
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\nSELECT 2;\nEND;\n",
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1);\nINSERT INTO u VALUES (2));\n",
        ";\n;\n",
        "COMMENT ON TABLE t IS 'café;\n';\n",
        "ALTER TABLE orders ADD COLUMN note text;\n",
        "SELECT (1;\n",
        "SELECT 'never closed;\n",
    ];

    /// <summary>Statements that never end a line with ';' right before the newline, so only the fragment can be cut in.</summary>
    private static string Filler(int bytes, string tag)
    {
        var text = new StringBuilder();
        for (var i = 0; text.Length < bytes; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"ALTER TABLE {tag}{i % 7} ADD COLUMN c{i} text; \n-- é {i}\nCREATE INDEX CONCURRENTLY i{i} ON {tag} (c{i}); \n");
        }
        return text.ToString();
    }

    private static void ShouldParseAsAWhole(string sql, int parts)
    {
        TestDatabases.RequireLibPgQuery();
        var whole = PgQuery.ParseScript(sql, 1);
        var split = PgQuery.ParseScript(sql, parts);
        split.Error.ShouldBe(whole.Error);
        split.Statements.Count.ShouldBe(whole.Statements.Count);
        for (var i = 0; i < whole.Statements.Count; i++)
        {
            var (a, b) = (split.Statements[i], whole.Statements[i]);
            (a.Kind, a.Text, a.Offset).ShouldBe((b.Kind, b.Text, b.Offset), $"statement {i}");
            a.Node.GetRawText().ShouldBe(b.Node.GetRawText(), $"the parse tree of statement {i}");
        }
    }

    [Theory]
    [MemberData(nameof(FragmentIndexes))]
    public void a_cut_in_the_fragment_gives_the_parse_of_the_whole(int fragment)
    {
        // The first ';' ending a line after the middle is in the fragment: the cut falls there.
        var text = Fragments[fragment];
        var before = Filler(100_000, "a");
        var after = Filler(80_000, "b");
        var sql = before + text + after;
        var bytes = Encoding.UTF8.GetBytes(sql + "\0");
        var cuts = PgQuery.Parts(bytes, 2);
        cuts.Count.ShouldBe(2);
        cuts[1].ShouldBeGreaterThan(Encoding.UTF8.GetByteCount(before));
        cuts[1].ShouldBeLessThanOrEqualTo(Encoding.UTF8.GetByteCount(before + text));
        ShouldParseAsAWhole(sql, 2);
    }

    public static TheoryData<int> FragmentIndexes() => [.. Enumerable.Range(0, Fragments.Length)];

    [Fact]
    public void a_script_made_of_plain_statements_is_cut_between_them_into_as_many_parts_as_it_is_large_enough_for()
    {
        var sql = string.Concat(Enumerable.Repeat("ALTER TABLE t ADD COLUMN c text;\n", 10_000));
        var bytes = Encoding.UTF8.GetBytes(sql + "\0");
        PgQuery.Parts(bytes, 4).Count.ShouldBe(4);
        PgQuery.Parts(bytes, 1).ShouldBe([0]);
        PgQuery.Parts(Encoding.UTF8.GetBytes(sql[..60_000] + "\0"), 4).ShouldBe([0], "a script under two parts' minimum is not cut");
        foreach (var cut in PgQuery.Parts(bytes, 4).Skip(1))
        {
            bytes[cut - 1].ShouldBe((byte)';');
            bytes[cut].ShouldBe((byte)'\n');
        }
        ShouldParseAsAWhole(sql, 4);
    }

    [Fact]
    public async Task a_script_at_the_size_cap_is_parsed_in_parts_within_a_bounded_wait_and_allocation()
    {
        TestDatabases.RequireLibPgQuery();
        var statement = "ALTER TABLE orders ADD COLUMN note text;\n";
        var sql = string.Concat(Enumerable.Repeat(statement, (int)(SqlInput.DefaultMaxBytes / statement.Length)));
        PgQuery.Parts(Encoding.UTF8.GetBytes(sql + "\0"), 4).Count.ShouldBe(4);
        // The parts run on several threads: count what the whole process allocates (other tests add to it; the bound
        // is wide enough for them), and wait a bounded time, never a timing.
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var parsed = await Task.Run(() => PgQuery.ParseScript(sql, 4), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        (GC.GetTotalAllocatedBytes(precise: true) - before).ShouldBeLessThan(2L << 30);
        parsed.Error.ShouldBeNull();
        parsed.Statements.Count.ShouldBe((int)(SqlInput.DefaultMaxBytes / statement.Length));
    }

    [Fact]
    public void scripts_of_random_fragments_parse_in_parts_as_they_do_whole()
    {
        TestDatabases.RequireLibPgQuery();
        // The fragments that parse, so that most scripts are cut and parsed in parts; the two that do not are above.
        var pieces = Fragments[..^2].Concat([Filler(5_000, "x"), Filler(8_000, "y"), "SELECT 1;\n", "SELECT 2;"]).ToArray();
        Gen.Select(Gen.Int[0, pieces.Length - 1].Array[200, 500], Gen.Int[2, 4])
            .Sample((picks, parts) => ShouldParseAsAWhole(string.Concat(picks.Select(p => pieces[p])), parts), iter: 40);
    }
}

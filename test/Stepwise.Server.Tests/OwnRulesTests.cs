using System.Security.Cryptography;
using System.Text;
using Shouldly;
using Stepwise.Api;
using Stepwise.Contracts;
using Stepwise.Data.Lint;
using Stepwise.Server.Store;
using Stepwise.Testing;
using Xunit;

namespace Stepwise.Server.Tests;

/// <summary>Stepwise obeys its own rules: its API is checked by its compat engine, its store migrations by its linter.</summary>
public class OwnRulesTests
{
    /// <summary>
    /// The SQL of every released store migration, pinned by hash per dialect: a released step is never edited
    /// (a change goes in a new step). A new step is added here once it is released.
    /// </summary>
    private static readonly Dictionary<(StoreDialect, int), string> Released = new()
    {
        [(StoreDialect.Sqlite, 1)] = "dfd80b5c21527424b0efc9de791e14fc7a3cd0219c9dd7b7a813e54963eee9c9",
        [(StoreDialect.Postgres, 1)] = "d8fb5d1a7e75c4c33a01eaa3de1b10897304caf4f20e52cbf1d38a6b68120767",
        [(StoreDialect.Sqlite, 2)] = "ecb7ea0cd14c09bf30241f46c1d639d9c846de93379b31fdd70af3e4843f3f1d",
        [(StoreDialect.Postgres, 2)] = "ecb7ea0cd14c09bf30241f46c1d639d9c846de93379b31fdd70af3e4843f3f1d",
    };

    /// <summary>
    /// Findings accepted for one step, each with its reason (the equivalent of a reviewed lint exemption). Keep it short.
    /// </summary>
    private static readonly Dictionary<(int Step, string Rule), string> Accepted = new()
    {
        // The tokens table holds a handful of rows: the build's write lock lasts microseconds, and the index must be
        // built in the migration's transaction (CONCURRENTLY can't run in one) so a replica never sees half a step.
        [(4, "require-concurrent-index-creation")] = "tiny table, transactional step",
    };

    private static string Hash(Migration m) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n;\n", m.Statements))));

    [Fact]
    public void released_store_migrations_are_never_edited()
    {
        foreach (var ((dialect, id), hash) in Released)
        {
            var step = Migrations.For(dialect).Single(m => m.Id == id);
            Hash(step).ShouldBe(hash, $"{dialect} migration {id} ({step.Name}) was released: add a new step instead of editing it");
        }
    }

    [Theory]
    [InlineData(StoreDialect.Sqlite, SqlDialect.Sqlite)]
    [InlineData(StoreDialect.Postgres, SqlDialect.Postgres)]
    public void store_migrations_pass_the_linter_for_their_phase(StoreDialect store, SqlDialect dialect)
    {
        foreach (var m in Migrations.For(store).Where(m => m.Id > 1))
        {
            // The initial schema creates tables nothing reads yet; every later step must be safe for its phase while
            // servers of the previous release run against the store.
            var phase = m.Kind == MigrationKind.Expand ? Core.Model.DataPhaseKind.Expand : Core.Model.DataPhaseKind.Contract;
            var sql = string.Join(";\n", m.Statements) + ";\n";
            var report = SqlLinter.Lint([new SqlSource($"migration-{m.Id}.sql", sql)], dialect, phase);
            report.InputErrors.ShouldBeEmpty($"migration {m.Id}");
            var errors = report.Statements.SelectMany(s => s.Findings)
                .Where(f => f.Level == FindingLevel.Error && !Accepted.ContainsKey((m.Id, f.Rule.Id)))
                .Select(f => $"{f.Rule.Id}: {f.Message}").ToList();
            errors.ShouldBeEmpty($"migration {m.Id} ({m.Name}) breaks {phase}");
        }
    }

    [Fact]
    public async Task the_api_stays_compatible_with_the_released_openapi_document()
    {
        await using var server = await TestServer.StartAsync();
        var current = await server.Admin.GetStringAsync(Routes.OpenApi.TrimStart('/'));
        var dir = Scratch.Directory("stepwise-openapi-");
        var now = Path.Combine(dir, "current.json");
        await File.WriteAllTextAsync(now, current);
        var baseline = Path.Combine(Scratch.RepoRoot(), "src", "Stepwise.Api", "openapi", "v1.json");
        // A rolling upgrade of replicas serves old and new callers from old and new servers: fleet mode.
        var report = CompatRunner.Run(baseline, now, ContractKind.OpenApi, CompatMode.Fleet);
        var errors = report.Findings.Where(f => f.Severity == Severity.Error).ToList();
        errors.ShouldBeEmpty("the API broke its released contract: " + string.Join("; ", errors.Select(f => $"{f.RuleId} at {f.Location}: {f.Message}")));
    }

    [Fact]
    public async Task the_api_check_catches_a_removed_route()
    {
        var baseline = Path.Combine(Scratch.RepoRoot(), "src", "Stepwise.Api", "openapi", "v1.json");
        var doc = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(baseline))!;
        doc["paths"]!.AsObject().Remove(Routes.Alerts).ShouldBeTrue();
        var broken = Path.Combine(Scratch.Directory("stepwise-openapi-"), "broken.json");
        await File.WriteAllTextAsync(broken, doc.ToJsonString());
        CompatRunner.Run(baseline, broken, ContractKind.OpenApi, CompatMode.Fleet).Findings
            .ShouldContain(f => f.Severity == Severity.Error && f.Location.Contains("alerts", StringComparison.Ordinal));
    }
}

using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Core.Model;
using Stepwise.Data.Lint;

namespace Stepwise.Data.Running;

/// <summary>What one phase would do (plan) or did (apply/rollback).</summary>
public sealed record PhaseOutcome(DataPhaseKind Phase, PhaseDirection Direction, string Summary, bool NothingToDo, IReadOnlyList<ExecStep> Steps, LintReport? Lint);

/// <summary>The state of one declared phase as the target database records it.</summary>
public sealed record PhaseStatusRow(DataPhaseKind Phase, DataPhaseState State, PhaseRecord? Record);

/// <summary>
/// Runs the phases of one data change on one database: plan, apply, status, rollback. Phase state lives in the target
/// database (table <c>stepwise_data_phase</c>). Applying is idempotent and resumable; phases run in order and roll back in
/// reverse order; bad input (unknown store, phase out of order, irreversible rollback, SQL syntax error) throws
/// <see cref="DataInputException"/> before anything is changed.
/// </summary>
public sealed class DataRunner(DataChange change, string configDirectory, RunnerOptions? options = null)
{
    private readonly RunnerOptions options = options ?? new RunnerOptions();

    public DataChange Change { get; } = change;

    public async Task<IReadOnlyList<PhaseStatusRow>> StatusAsync(StoreUrl store, CancellationToken ct = default)
    {
        await using var target = await OpenAsync(store, ct);
        var records = await ReadAsync(target, ct);
        return Change.Phases.Select(p => Row(p, records)).ToList();
    }

    public async Task<PhaseOutcome> PlanAsync(StoreUrl store, DataPhaseKind? phase, CancellationToken ct = default)
    {
        await using var target = await OpenAsync(store, ct);
        var records = await ReadAsync(target, ct);
        var chosen = ChooseApply(phase, records);
        if (chosen is null)
        {
            return new PhaseOutcome(Change.Phases.Last(), PhaseDirection.Up, $"every phase of '{Change.Id}' is complete on {store}", true, [], null);
        }
        var row = Row(chosen.Value, records);
        if (row.State == DataPhaseState.Complete)
        {
            return new PhaseOutcome(chosen.Value, PhaseDirection.Up, $"{Name(chosen.Value)} of '{Change.Id}' is already complete on {store}", true, [], null);
        }
        return Describe(chosen.Value, PhaseDirection.Up, store, row);
    }

    public async Task<PhaseOutcome> ApplyAsync(StoreUrl store, DataPhaseKind? phase, CancellationToken ct = default)
    {
        await using var target = await OpenAsync(store, ct);
        var records = await ReadAsync(target, ct);
        var chosen = ChooseApply(phase, records);
        if (chosen is null)
        {
            return new PhaseOutcome(Change.Phases.Last(), PhaseDirection.Up, $"every phase of '{Change.Id}' is already complete on {store}", true, [], null);
        }
        var p = chosen.Value;
        var row = Row(p, records);
        if (row.State == DataPhaseState.Complete)
        {
            return new PhaseOutcome(p, PhaseDirection.Up, $"{Name(p)} of '{Change.Id}' is already complete on {store}; nothing to do", true, [], null);
        }
        var plan = Describe(p, PhaseDirection.Up, store, row);
        RefuseContractOnlyInExpand(plan);
        await target.EnsureStateTableAsync(ct);
        await LockAsync(target, ct);
        // Another runner may have finished this phase while we waited for the lock: decide again on fresh state.
        row = Row(p, await ReadAsync(target, ct));
        if (row.State == DataPhaseState.Complete)
        {
            await target.UnlockChangeAsync(Change.Id, ct);
            return new PhaseOutcome(p, PhaseDirection.Up, $"{Name(p)} of '{Change.Id}' is already complete on {store}; nothing to do", true, [], null);
        }
        using var limit = TimeLimit(ct);
        var work = limit?.Token ?? ct;
        try
        {
            if (p == DataPhaseKind.Backfill)
            {
                await target.BackfillAsync(Change.Id, Change.Backfill!, work);
            }
            else
            {
                var resumeFrom = row.Record is { State: DataPhaseState.Running or DataPhaseState.Failed, Direction: PhaseDirection.Up } r ? r.Step : 0;
                if (row.Record?.State != DataPhaseState.Running || row.Record.Direction != PhaseDirection.Up)
                {
                    await target.SetStateAsync(Change.Id, p, DataPhaseState.Running, PhaseDirection.Up, null, resetProgress: resumeFrom == 0, work);
                }
                await target.RunStepsAsync(Change.Id, p, PhaseDirection.Up, plan.Steps, resumeFrom, DataPhaseState.Complete, work);
            }
        }
        catch (Exception e) when (limit is { IsCancellationRequested: true } && !ct.IsCancellationRequested)
        {
            throw await FailAsync(target, p, PhaseDirection.Up, PastTimeLimit(p, PhaseDirection.Up, e), ct);
        }
        catch (Exception e) when (e is NpgsqlException or SqliteException or DataPhaseFailedException)
        {
            throw await FailAsync(target, p, PhaseDirection.Up, e, ct);
        }
        await target.UnlockChangeAsync(Change.Id, ct);
        var after = Row(p, await ReadAsync(target, ct));
        var summary = p == DataPhaseKind.Backfill
            ? $"backfill of '{Change.Id}' complete on {store}: {Count(after.Record?.RowsDone ?? 0, "row")} in {Count(after.Record?.Batches ?? 0, "batch")}"
            : $"{Name(p)} of '{Change.Id}' complete on {store} ({Count(plan.Steps.Count, "statement")})";
        return plan with { Summary = summary };
    }

    public async Task<PhaseOutcome> RollbackAsync(StoreUrl store, DataPhaseKind? phase, CancellationToken ct = default)
    {
        await using var target = await OpenAsync(store, ct);
        var records = await ReadAsync(target, ct);
        var p = ChooseRollback(phase, records);
        if (p is null)
        {
            return new PhaseOutcome(phase ?? Change.Phases.First(), PhaseDirection.Down, $"nothing of '{Change.Id}' is applied on {store}; nothing to roll back", true, [], null);
        }
        var row = Row(p.Value, records);
        if (row.State is DataPhaseState.Pending or DataPhaseState.RolledBack)
        {
            return new PhaseOutcome(p.Value, PhaseDirection.Down, $"{Name(p.Value)} of '{Change.Id}' is {(row.State == DataPhaseState.Pending ? "not applied" : "already rolled back")} on {store}; nothing to do", true, [], null);
        }
        var plan = Describe(p.Value, PhaseDirection.Down, store, row);
        await target.EnsureStateTableAsync(ct);
        await LockAsync(target, ct);
        row = Row(p.Value, await ReadAsync(target, ct));
        if (row.State is DataPhaseState.Pending or DataPhaseState.RolledBack)
        {
            await target.UnlockChangeAsync(Change.Id, ct);
            return new PhaseOutcome(p.Value, PhaseDirection.Down, $"{Name(p.Value)} of '{Change.Id}' is already rolled back on {store}; nothing to do", true, [], null);
        }
        using var limit = TimeLimit(ct);
        var work = limit?.Token ?? ct;
        try
        {
            if (p == DataPhaseKind.Backfill)
            {
                // The backfill wrote only into the expanded shape; rolling it back forgets its progress so that a later
                // apply starts over. Its data goes when the expand is rolled back.
                await target.SetStateAsync(Change.Id, DataPhaseKind.Backfill, DataPhaseState.RolledBack, PhaseDirection.Down, null, resetProgress: true, ct);
            }
            else
            {
                var resumeFrom = row.Record is { State: DataPhaseState.Running or DataPhaseState.Failed, Direction: PhaseDirection.Down } r ? r.Step : 0;
                if (row.Record?.State != DataPhaseState.Running || row.Record.Direction != PhaseDirection.Down)
                {
                    await target.SetStateAsync(Change.Id, p.Value, DataPhaseState.Running, PhaseDirection.Down, null, resetProgress: resumeFrom == 0, work);
                }
                await target.RunStepsAsync(Change.Id, p.Value, PhaseDirection.Down, plan.Steps, resumeFrom, DataPhaseState.RolledBack, work);
            }
        }
        catch (Exception e) when (limit is { IsCancellationRequested: true } && !ct.IsCancellationRequested)
        {
            throw await FailAsync(target, p.Value, PhaseDirection.Down, PastTimeLimit(p.Value, PhaseDirection.Down, e), ct);
        }
        catch (Exception e) when (e is NpgsqlException or SqliteException or DataPhaseFailedException)
        {
            throw await FailAsync(target, p.Value, PhaseDirection.Down, e, ct);
        }
        await target.UnlockChangeAsync(Change.Id, ct);
        return plan with { Summary = $"{Name(p.Value)} of '{Change.Id}' rolled back on {store}" };
    }

    /// <summary>
    /// An expand runs while the old code still runs: a statement that breaks it (a drop, a rename, a new required column…)
    /// belongs in the contract, where the core checks G4 first. Refused before anything runs, unless explicitly allowed.
    /// </summary>
    private void RefuseContractOnlyInExpand(PhaseOutcome plan)
    {
        if (plan.Phase != DataPhaseKind.Expand || plan.Lint is null)
        {
            return;
        }
        var offending = plan.Lint.Statements
            .SelectMany(s => s.Findings.Where(f => f.Rule.Class == StatementClass.ContractOnly && !options.AllowedRules.Contains(f.Rule.Id)).Select(f => (s, f)))
            .ToList();
        if (offending.Count == 0)
        {
            return;
        }
        var (statement, finding) = offending[0];
        throw new DataPhaseRefusedException(
            $"the expand of '{Change.Id}' breaks code that still runs: {statement.File}:{statement.Line}:{statement.Column}: {finding.Rule.Id}: {finding.Message}"
            + (offending.Count > 1 ? $" (and {offending.Count - 1} more)" : ""),
            $"move it to the contract phase (which runs only when no node uses the old shape); or, if the old code truly tolerates it, pass --allow {finding.Rule.Id}");
    }

    private async Task<DataPhaseFailedException> FailAsync(IDataTarget target, DataPhaseKind phase, PhaseDirection direction, Exception e, CancellationToken ct)
    {
        var reason = e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : e.Message;
        try
        {
            await target.SetStateAsync(Change.Id, phase, DataPhaseState.Failed, direction, reason, resetProgress: false, ct);
        }
        catch (Exception) when (e is not DataPhaseFailedException)
        {
            // The connection itself is gone; the state stays Running and the next apply resumes from the last committed step.
        }
        return e as DataPhaseFailedException ?? new DataPhaseFailedException(
            $"{Name(phase)}{(direction == PhaseDirection.Down ? " rollback" : "")} of '{Change.Id}' failed: {reason}",
            "fix the cause and run the same command again: committed work is kept and the phase resumes where it stopped", e);
    }

    /// <summary>
    /// The change's time limit (<c>timeLimit:</c>) as a token source linked to the caller's, or null without a limit. A
    /// phase past it stops (committed work is kept) and is recorded Failed with that reason.
    /// </summary>
    private CancellationTokenSource? TimeLimit(CancellationToken ct)
    {
        if (Change.TimeLimit is not { } limit)
        {
            return null;
        }
        var source = CancellationTokenSource.CreateLinkedTokenSource(ct);
        source.CancelAfter(limit);
        return source;
    }

    private DataPhaseFailedException PastTimeLimit(DataPhaseKind phase, PhaseDirection direction, Exception e) => new(
        $"{Name(phase)}{(direction == PhaseDirection.Down ? " rollback" : "")} of '{Change.Id}' ran past its time limit of {Core.Config.Durations.Format(Change.TimeLimit!.Value)} and was stopped",
        "committed work is kept: raise timeLimit in stepwise.yaml (or make the phase faster, e.g. a smaller backfill batch) and run it again to resume",
        e);

    private async Task LockAsync(IDataTarget target, CancellationToken ct)
    {
        // A runner that just finished (or was killed) may hold the lock for a moment while its session ends.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            if (await target.TryLockChangeAsync(Change.Id, ct))
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), options.Time, ct);
        }
        throw new DataPhaseFailedException("another stepwise runner is working on this change on the same database", "wait for it to finish (stepwise data status shows its progress)");
    }

    private PhaseOutcome Describe(DataPhaseKind phase, PhaseDirection direction, StoreUrl store, PhaseStatusRow row)
    {
        var what = $"{Change.Id}.{Name(phase)}{(direction == PhaseDirection.Down ? ".down" : "")}";
        if (phase == DataPhaseKind.Backfill)
        {
            var b = Change.Backfill!;
            var summary = direction == PhaseDirection.Down
                ? $"roll back backfill of '{Change.Id}' on {store}: forget its progress (its data is removed with the expand's rollback)"
                : $"backfill {b.Table} on {store}: UPDATE {b.Table} SET {b.Set}{(b.Where is null ? "" : $" WHERE {b.Where}")}, {b.BatchSize} rows a batch ordered by {b.Key}, "
                  + $"pause {b.Pause.TotalMilliseconds:0} ms{(b.MaxRowsPerSecond is { } max ? $", at most {max} rows/s" : "")}"
                  + (row.Record?.Cursor is { } c ? $"; resumes after {b.Key} = {c} ({row.Record.RowsDone} rows done)" : "");
            return new PhaseOutcome(phase, direction, summary, false, [], null);
        }
        var sqlPhase = phase == DataPhaseKind.Expand ? Change.Expand! : Change.Contract!;
        var source = direction == PhaseDirection.Up ? sqlPhase.Up : sqlPhase.Down!;
        var sql = PhaseSql.Resolve(source, configDirectory, what, options.MaxSqlBytes);
        var steps = PhaseScript.Plan(sql, store.Dialect, PhaseSql.DisplayName(source, what), options.MaxSqlBytes);
        var lintPhase = direction == PhaseDirection.Down ? (DataPhaseKind?)null : phase;
        var lint = SqlLinter.Lint([new SqlSource(PhaseSql.DisplayName(source, what), sql)], store.Dialect, lintPhase, maxBytes: options.MaxSqlBytes);
        var resume = row.Record is { State: DataPhaseState.Running or DataPhaseState.Failed } r && r.Direction == direction && r.Step > 0 ? $"; resumes at statement {r.Step + 1}" : "";
        return new PhaseOutcome(phase, direction, $"{(direction == PhaseDirection.Down ? "roll back" : "apply")} {Name(phase)} of '{Change.Id}' on {store}: {Count(steps.Count, "statement")}{resume}", false, steps, lint);
    }

    private DataPhaseKind? ChooseApply(DataPhaseKind? phase, IReadOnlyList<PhaseRecord> records)
    {
        if (phase is { } p)
        {
            Declared(p);
            foreach (var earlier in Change.Phases.TakeWhile(x => x != p))
            {
                var state = Row(earlier, records).State;
                if (state != DataPhaseState.Complete)
                {
                    throw new DataInputException(
                        $"cannot apply {Name(p)} of '{Change.Id}': its {Name(earlier)} is {StateName(state)}",
                        $"apply the phases in order: stepwise data apply {Change.Id} --phase {Name(earlier)} first");
                }
            }
            return p;
        }
        foreach (var candidate in Change.Phases)
        {
            if (Row(candidate, records).State != DataPhaseState.Complete)
            {
                return candidate;
            }
        }
        return null;
    }

    private DataPhaseKind? ChooseRollback(DataPhaseKind? phase, IReadOnlyList<PhaseRecord> records)
    {
        var chosen = phase;
        if (phase is { } p)
        {
            Declared(p);
        }
        else
        {
            chosen = Change.Phases.Reverse().Cast<DataPhaseKind?>().FirstOrDefault(x => Row(x!.Value, records).State is not (DataPhaseState.Pending or DataPhaseState.RolledBack));
            if (chosen is null)
            {
                return null;
            }
        }
        var c = chosen!.Value;
        foreach (var later in Change.Phases.SkipWhile(x => x != c).Skip(1))
        {
            var state = Row(later, records).State;
            if (state is not (DataPhaseState.Pending or DataPhaseState.RolledBack))
            {
                throw new DataInputException(
                    $"cannot roll back {Name(c)} of '{Change.Id}': its {Name(later)} is {StateName(state)}",
                    $"roll back in reverse order: stepwise data rollback {Change.Id} --phase {Name(later)} first");
            }
        }
        if (c == DataPhaseKind.Contract && Change.Contract!.Down is null && Row(c, records).State is not (DataPhaseState.Pending or DataPhaseState.RolledBack))
        {
            throw new DataInputException(
                $"the contract of '{Change.Id}' is irreversible (down: irreversible): it cannot be rolled back",
                "restore the removed shape with a new data change (a new expand), or from a backup");
        }
        return c;
    }

    private void Declared(DataPhaseKind p)
    {
        if (!Change.Declares(p))
        {
            throw new DataInputException($"data change '{Change.Id}' declares no {Name(p)} phase",
                $"use one of: {string.Join(", ", Change.Phases.Select(Name))}");
        }
    }

    private static PhaseStatusRow Row(DataPhaseKind p, IReadOnlyList<PhaseRecord> records)
    {
        var r = records.FirstOrDefault(x => x.Phase == p);
        return new PhaseStatusRow(p, r?.State ?? DataPhaseState.Pending, r);
    }

    private async Task<IReadOnlyList<PhaseRecord>> ReadAsync(IDataTarget target, CancellationToken ct)
    {
        try
        {
            return await target.ReadAsync(Change.Id, ct);
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            return [];
        }
        catch (SqliteException e) when (e.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return [];
        }
    }

    private async Task<IDataTarget> OpenAsync(StoreUrl store, CancellationToken ct) => store.Dialect == SqlDialect.Postgres
        ? await PostgresTarget.OpenAsync(store, options, ct)
        : await SqliteTarget.OpenAsync(store, options, ct);

    public static string Name(DataPhaseKind p) => p.ToString().ToLowerInvariant();

    /// <summary>"1 row", "3 rows", "1 batch", "2 batches".</summary>
    public static string Count(long n, string noun) =>
        n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " " + (n == 1 ? noun : noun.EndsWith("ch", StringComparison.Ordinal) ? noun + "es" : noun + "s");

    public static string StateName(DataPhaseState s) => s switch
    {
        DataPhaseState.Pending => "not applied",
        DataPhaseState.RolledBack => "rolled back",
        _ => s.ToString().ToLowerInvariant(),
    };
}

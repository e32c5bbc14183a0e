using Stepwise.Api;
using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>A data change with the state of every phase on every store (GET /api/v1/data-changes).</summary>
public sealed record DataChangeView(string Id, IReadOnlyList<string> Stores, IReadOnlyList<DataPhaseKind> Phases, IReadOnlyList<DataPhaseStatus> States);

/// <summary>Rollouts, plans and data changes: views, and the operator requests that start and steer them.</summary>
internal static class RolloutEndpoints
{
    public static async Task<IResult> Rollouts(ServerRuntime rt, CancellationToken ct)
    {
        var control = await rt.Store.LoadControlStateAsync(ct);
        var nodes = rt.Nodes.All();
        return Results.Json(control.Rollouts.Select(r => Views.Rollout(r, nodes, rt)).ToList(), SnapshotJson.Options);
    }

    public static async Task<IResult> Rollout(string rollout, ServerRuntime rt, CancellationToken ct)
    {
        var found = (await rt.Store.LoadControlStateAsync(ct)).Rollouts.LastOrDefault(r => r.Id == rollout);
        return found is null ? Problems.NotFound($"no rollout '{rollout}'") : Results.Json(Views.Rollout(found, rt.Nodes.All(), rt), SnapshotJson.Options);
    }

    public static async Task<IResult> StartRollout(HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<StartRolloutBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if ((Identifiers.CheckId(body!.Service, "service") ?? Identifiers.CheckVersion(body.Version)) is { } problem)
        {
            return Problems.BadRequest(problem);
        }
        if (rt.Config.Config.FindRelease(body.Service, body.Version) is null)
        {
            return Problems.NotFound($"{body.Service}@{body.Version} is not a release; register it (POST {Routes.Releases.Replace("{service}", body.Service, StringComparison.Ordinal)}) or declare it in stepwise.yaml");
        }
        return await Submissions.SubmitAndAnswerAsync(context, rt,
            new OperatorRequest(Submissions.NewRequestId(), RequestKind.StartRollout, rt.Time.GetUtcNow(), Service: body.Service, Version: body.Version, Reason: body.Reason),
            $"start rollout of {body.Service}@{body.Version}");
    }

    public static async Task<IResult> RolloutAction(string rollout, string action, HttpContext context, ServerRuntime rt)
    {
        RequestKind? kind = action switch
        {
            "pause" => RequestKind.PauseRollout,
            "resume" => RequestKind.ResumeRollout,
            "abort" => RequestKind.AbortRollout,
            "promote" => RequestKind.PromoteRollout,
            "approve" => RequestKind.ApproveRollout,
            _ => null,
        };
        if (kind is null)
        {
            return Problems.NotFound($"'{Core.Model.Identifiers.Printable(action)}' is not a rollout action; use pause, resume, abort, promote or approve");
        }
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        if ((await rt.Store.LoadControlStateAsync(context.RequestAborted)).Rollouts.All(r => r.Id != rollout))
        {
            return Problems.NotFound($"no rollout '{rollout}'");
        }
        return await Submissions.SubmitAndAnswerAsync(context, rt,
            new OperatorRequest(Submissions.NewRequestId(), kind.Value, rt.Time.GetUtcNow(), Rollout: rollout, Reason: body?.Reason), $"{action} rollout {rollout}");
    }

    public static async Task<IResult> Plans(ServerRuntime rt, CancellationToken ct)
    {
        var control = await rt.Store.LoadControlStateAsync(ct);
        return Results.Json(rt.Config.Config.Plans.Select(p => new PlanView(p.Id, p.Steps, control.Plans.FirstOrDefault(x => x.Plan == p.Id))).ToList(), SnapshotJson.Options);
    }

    public static async Task<IResult> StartPlan(string plan, HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        if (rt.Config.Config.FindPlan(plan) is null)
        {
            return Problems.NotFound($"no plan '{plan}' in stepwise.yaml");
        }
        return await Submissions.SubmitAndAnswerAsync(context, rt,
            new OperatorRequest(Submissions.NewRequestId(), RequestKind.StartPlan, rt.Time.GetUtcNow(), Plan: plan, Reason: body?.Reason), $"start plan {plan}");
    }

    public static async Task<IResult> DataChanges(ServerRuntime rt, CancellationToken ct)
    {
        var control = await rt.Store.LoadControlStateAsync(ct);
        return Results.Json(rt.Config.Config.DataChanges.Select(c => new DataChangeView(c.Id, c.Stores, c.Phases.ToList(),
            control.DataPhases.Where(p => p.Change == c.Id).ToList())).ToList(), SnapshotJson.Options);
    }

    public static async Task<IResult> RunDataPhase(string change, string phase, HttpContext context, ServerRuntime rt)
    {
        if (!Names.TryParse<DataPhaseKind>(phase, out var kind))
        {
            return Problems.NotFound($"'{Core.Model.Identifiers.Printable(phase)}' is not a data phase; use expand, backfill or contract");
        }
        var (body, error) = await Bodies.ReadJsonAsync<DataPhaseBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        var declared = rt.Config.Config.FindChange(change);
        if (declared is null || !declared.Declares(kind))
        {
            return Problems.NotFound($"data change '{change}' with a {phase} phase is not declared");
        }
        if (body?.Store is { } store && !declared.Stores.Contains(store))
        {
            return Problems.BadRequest($"data change '{change}' runs on {string.Join(", ", declared.Stores)}, not '{Core.Model.Identifiers.Printable(store)}'");
        }
        return await Submissions.SubmitAndAnswerAsync(context, rt,
            new OperatorRequest(Submissions.NewRequestId(), RequestKind.RunDataPhase, rt.Time.GetUtcNow(), Change: change, Phase: kind, Store: body?.Store, Reason: body?.Reason),
            $"run {change} {phase}");
    }
}

using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>
/// POST /api/v1/what-if: Decide on this replica's view of the live fleet (nodes, control state, samples, client
/// telemetry) with the asked requests added to the pending ones. Read access: nothing is applied, stored or logged.
/// </summary>
internal static class WhatIfEndpoints
{
    /// <summary>The most questions one what-if may ask.</summary>
    public const int MaxQuestions = 100;

    public static async Task<IResult> Ask(HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<WhatIfBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        var asked = (body!.Rollouts?.Count ?? 0) + (body.DataPhases?.Count ?? 0);
        if (asked > MaxQuestions)
        {
            return Problems.BadRequest($"a what-if asks at most {MaxQuestions} questions; this one asks {asked}");
        }
        if ((body.Rollouts ?? []).Any(r => r?.Service is null || r.Version is null)
            || (body.DataPhases ?? []).Any(d => d?.Change is null || d.Phase is not { } phase || !Enum.IsDefined(phase)))
        {
            return Problems.BadRequest("each rollout needs a service and a version; each data phase a change and a phase (expand, backfill or contract)");
        }
        var rollouts = (body.Rollouts ?? []).Select(r => new RolloutAsk(r!.Service!, r.Version!)).ToList();
        var data = (body.DataPhases ?? []).Select(d => new DataPhaseAsk(d!.Change!, d.Phase!.Value, d.Store)).ToList();
        var config = rt.Config.Config;
        if (WhatIf.Check(config, rollouts, data, body.Plan) is { } problem)
        {
            return Problems.BadRequest(problem);
        }
        var ct = context.RequestAborted;
        var now = rt.Time.GetUtcNow();
        var control = await rt.Store.LoadControlStateAsync(ct);
        var others = await rt.OtherReplicasSamplesAsync(ct);
        var clients = await rt.ClientCallLedger.LoadAsync(now - config.Policy.Retention.ClientTelemetry, null, null, ct);
        var requests = WhatIf.Requests("what-if", now, "what-if", rollouts, data, body.Plan);
        var decisions = rt.Planner.WhatIf(config, control, now, requests, others, clients);
        return Results.Json(new WhatIfAnswer(now, decisions.Actions, decisions.Refusals), SnapshotJson.Options);
    }
}

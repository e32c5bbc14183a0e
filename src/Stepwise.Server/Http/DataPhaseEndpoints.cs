using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>POST /api/v1/data-changes/{change}/cancel: stops the change's running phase on this replica.</summary>
public static class DataPhaseEndpoints
{
    public static async Task<IResult> Cancel(string change, HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<DataPhaseBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        var declared = rt.Config.Config.FindChange(change);
        if (declared is null)
        {
            return Problems.NotFound($"data change '{Identifiers.Printable(change)}' is not declared");
        }
        if (body?.Store is { } store && !declared.Stores.Contains(store))
        {
            return Problems.BadRequest($"data change '{change}' runs on {string.Join(", ", declared.Stores)}, not '{Identifiers.Printable(store)}'");
        }
        var reason = $"cancelled by an operator{(string.IsNullOrWhiteSpace(body?.Reason) ? "" : $": {body.Reason.Trim()}")}; committed work is kept, and running the phase again resumes it";
        var cancelled = rt.DataPhases.Cancel(change, body?.Store, reason);
        if (cancelled.Count == 0)
        {
            return Problems.Conflict(rt.IsLeader
                ? $"no phase of '{change}' is running{(body?.Store is { } s ? $" on {s}" : "")}; nothing to cancel"
                : $"no phase of '{change}' runs on this replica, which is not the leader; send the cancel to the leader, which runs the phases");
        }
        var what = string.Join(", ", cancelled.Select(c => $"{Core.Names.Of(c.Phase)} on {c.Store}"));
        return Results.Json(new DataCancelOutcome(change, cancelled.Select(c => new CancelledDataPhase(c.Phase, c.Store)).ToList(),
            $"cancelling {what}: it stops at its next statement or batch and is recorded failed ({reason})"), SnapshotJson.Options, statusCode: StatusCodes.Status202Accepted);
    }
}

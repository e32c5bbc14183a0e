using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Http;

/// <summary>
/// Operator actions become requests the reconciler completes or refuses: stored, then waited for (bounded), so an
/// action is decided with the same state and gates as everything else, on whichever replica leads.
/// </summary>
internal static class Submissions
{
    public const int MaxNameLength = 200;

    public static string NewRequestId() => "req-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>
    /// Stores the request (with the shell's <paramref name="payload"/>, when any) and waits for the reconciler to
    /// complete it. Returns the completed record, or a 503 problem when no reconciler handled it in time.
    /// </summary>
    public static async Task<(RequestRecord? Record, IResult? Pending)> SubmitAsync(HttpContext context, ServerRuntime rt, OperatorRequest request, string what, string? payload = null)
    {
        var ct = context.RequestAborted;
        var token = AccessMiddleware.TokenOf(context);
        await rt.Store.InsertRequestAsync(request, new NewEvent("request", $"'{token.Name}' asks to {what}" + (request.Reason is null ? "" : $": {request.Reason}"), request.Id), ct, payload);
        var deadline = rt.Time.GetUtcNow() + rt.Options.RequestWait;
        while (true)
        {
            var record = await rt.Store.GetRequestAsync(request.Id, ct);
            if (record is { Completed: true })
            {
                return (record, null);
            }
            if (rt.Time.GetUtcNow() >= deadline)
            {
                return (null, Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.NotLeader, "not handled yet",
                    $"request {request.Id} is stored but no reconciler handled it within {rt.Options.RequestWait.TotalSeconds:0} s (is a leader running?); it will be handled when one runs",
                    new Dictionary<string, object?> { ["request"] = request.Id }));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), rt.Time, ct);
        }
    }

    /// <summary>Submits and answers: 202 with the outcome when accepted, 409 refusal problem (refusals with guarantee, blockers and what unblocks) when refused.</summary>
    public static async Task<IResult> SubmitAndAnswerAsync(HttpContext context, ServerRuntime rt, OperatorRequest request, string what)
    {
        var (record, pending) = await SubmitAsync(context, rt, request, what);
        return pending ?? Outcome(record!);
    }

    public static IResult Outcome(RequestRecord record) => record.Accepted == true
        ? Results.Json(new RequestOutcome(record.Request.Id, true, record.Message ?? "accepted", record.Rollout), SnapshotJson.Options, statusCode: StatusCodes.Status202Accepted)
        : Refused(record);

    public static IResult Refused(RequestRecord record)
    {
        var detail = record.Refusals.Count > 0 ? record.Refusals[0].Describe() : record.Message ?? "refused";
        return Problems.Of(StatusCodes.Status409Conflict, ProblemTypes.Refused, "refused", detail,
            new Dictionary<string, object?> { ["request"] = record.Request.Id, ["refusals"] = record.Refusals, ["message"] = record.Message });
    }

    public static string? CheckName(string? value, string what, int max = MaxNameLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{what} is required";
        }
        if (value.Length > max)
        {
            return $"{what} is longer than {max} characters";
        }
        return value.Any(char.IsControl) ? $"{what} contains control characters" : null;
    }
}

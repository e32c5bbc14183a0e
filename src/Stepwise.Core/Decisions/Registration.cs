using System.Text.Json;
using Stepwise.Core.Config;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>
/// Registering a release through the API, decided like every other operator request so that it is atomic with the
/// reconciler's state: the release is linked into the configuration as its service's newest (every cross-reference
/// checked by <see cref="ConfigLinker"/>), the registration gates run (G6 contracts, G8 old clients), and only then
/// is it registered. The same body sent again is accepted as already registered; another body for an existing
/// version is refused.
/// </summary>
internal static class Registration
{
    public static void Handle(DecisionBuilder builder, OperatorRequest request)
    {
        var ctx = builder.Context;
        var index = ctx.Index(request.Service ?? "");
        if (index is null || request.Release is not { } declared)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"service '{request.Service}' is not declared; declare it in stepwise.yaml first"));
            return;
        }
        var name = $"{index.Service.Name}@{declared.Version}";
        if (index.Service.Find(declared.Version) is { } existing)
        {
            var same = existing.Origin == ReleaseOrigin.Registered && Same(ctx.Config, index.Service.Name, declared);
            builder.Add(new CompleteRequest(request.Id, same, same
                ? $"{name} is already registered with this body"
                : $"{name} is already a release of {index.Service.Name}{(existing.Origin == ReleaseOrigin.Config ? " (declared in stepwise.yaml)" : " with another body")}; register a new version"));
            return;
        }
        if ((ctx.Config.Declaration.Retired ?? []).Contains(new ReleaseRef(index.Service.Name, declared.Version)))
        {
            builder.Add(new CompleteRequest(request.Id, false, $"{name} was retired; register a new version"));
            return;
        }
        StepwiseConfig linked;
        try
        {
            linked = ctx.Config.Relink(d => d.Register(index.Service.Name, declared with { Origin = ReleaseOrigin.Registered }));
        }
        catch (ConfigException e)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"{name} does not link: {string.Join("; ", e.Errors.Select(x => $"{x.Message} ({x.Fix})"))}"));
            return;
        }
        catch (ContractInputException e)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"{name}: a contract cannot be read: {e.Message}"));
            return;
        }
        var release = linked.FindRelease(index.Service.Name, declared.Version)!;
        bool refused;
        try
        {
            refused = ctx.Guarantees.CheckRegistration(builder, new RegistrationProposal(index, release, linked, request.Id));
        }
        catch (ContractInputException e)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"{name}: a contract cannot be read: {e.Message}"));
            return;
        }
        if (refused)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"registration of {name} refused"));
            return;
        }
        builder.Add(new RegisterRelease(index.Service.Name, declared with { Origin = ReleaseOrigin.Registered }, request.Id,
            $"{name} registered as the newest release of {index.Service.Name}{(request.Reason is null ? "" : $": {request.Reason}")}"));
        builder.Add(new CompleteRequest(request.Id, true, $"{name} registered"));
    }

    /// <summary>Whether the registered declaration of that version is the same as <paramref name="declared"/> (compared as JSON).</summary>
    private static bool Same(StepwiseConfig config, string service, ReleaseDeclaration declared)
    {
        var stored = config.Declaration.Services.FirstOrDefault(s => s.Name == service)?.Releases.LastOrDefault(r => r.Version == declared.Version);
        return stored is not null &&
               SnapshotJson.Write(stored with { Origin = ReleaseOrigin.Registered, At = null }, SnapshotJson.Options) ==
               SnapshotJson.Write(declared with { Origin = ReleaseOrigin.Registered, At = null }, SnapshotJson.Options);
    }
}

using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>The simulated operator's moves that G8 judges (with client populations).</summary>
public sealed partial class Simulation
{
    private sealed partial class Operator
    {
        private const string ClientRegistrationPurpose = "register a release that drops an operation nobody deprecated";

        /// <summary>How often the operator tries again to raise a minimum version G8 refused (without an override).</summary>
        private static readonly TimeSpan MinimumRetry = TimeSpan.FromMinutes(10);

        private Refusal? registrationRefusal;
        private bool registrationOverridden;
        private bool registrationDone;
        private readonly DateTimeOffset?[] minimumTried = new DateTimeOffset?[ClientPopulationState.Apps.Length];
        private readonly Refusal?[] minimumRefusal = new Refusal?[ClientPopulationState.Apps.Length];
        private readonly bool[] minimumDone = new bool[ClientPopulationState.Apps.Length];
        private readonly bool[] minimumOverridden = new bool[ClientPopulationState.Apps.Length];

        /// <summary>Every G8 move has gone through (nothing to wait for without client populations).</summary>
        private bool ClientMovesDone => sim.population is null || (registrationDone && minimumDone.All(d => d));

        /// <summary>
        /// <list type="bullet">
        /// <item>From 5 min, once the other registrations are through: register svc-0@2.0.0, which drops
        /// <see cref="SimWorld.Export"/> (never deprecated; partner still calls it). G8 refuses it; the operator records
        /// an override with a reason naming the refusal's subject, and registers it again.</item>
        /// <item>From 10 min, each app's minimum version is raised to its newest version at the start, cutting off the
        /// older ones, which call <see cref="SimWorld.Legacy"/>. G8 refuses while they called within the window. For the
        /// first app (mobile) the operator tries again every 10 minutes, until they have aged out; for the others
        /// (partner) the operator records an override with a reason and raises it again.</item>
        /// </list>
        /// The plan's svc-0@1.3.0, which removes the deprecated <see cref="SimWorld.Legacy"/>, waits for G8 on its own.
        /// </summary>
        private void ClientMoves(TimeSpan elapsed)
        {
            if (elapsed >= TimeSpan.FromMinutes(5) && registrations.Count == 0 && !registrationDone && !Pending(ClientRegistrationPurpose))
            {
                RegisterClientRelease();
            }
            for (var app = 0; app < minimumDone.Length; app++)
            {
                if (!minimumDone[app] && elapsed >= TimeSpan.FromMinutes(10 + (5 * app)))
                {
                    RaiseMinimum(app);
                }
            }
        }

        private void RegisterClientRelease()
        {
            var (service, release) = sim.world.ClientRegistration!.Value;
            if (State.Config.FindRelease(service, release.Version) is not null)
            {
                registrationDone = true;
                return;
            }
            if (registrationRefusal is { } refusal && !registrationOverridden)
            {
                sim.RecordOverride(refusal.Guarantee, refusal.Subject, $"{SimWorld.Export} moves to the partner batch API; partner was told to stop calling it");
                registrationOverridden = true;
            }
            Request(ClientRegistrationPurpose, RequestKind.RegisterRelease, service, release.Version, release: release);
        }

        private void ClientRegistrationCompleted(bool accepted, IReadOnlyList<Refusal> refused)
        {
            if (accepted)
            {
                registrationDone = true;
                sim.Count("releases that drop an operation registered");
                return;
            }
            registrationRefusal = refused.FirstOrDefault(r => r.Guarantee == GuaranteeId.G8) ?? registrationRefusal;
        }

        private void RaiseMinimum(int app)
        {
            // The first app waits for its old versions to age out; the others are cut off on purpose, with an override.
            var overrides = app > 0;
            var wait = overrides && minimumRefusal[app] is not null ? TimeSpan.FromMinutes(1) : MinimumRetry;
            if (minimumTried[app] is { } tried && sim.now - tried < wait)
            {
                return;
            }
            var name = ClientPopulationState.Apps[app].App;
            var target = ClientPopulationState.Apps[app].Start[^1].Version;
            if (overrides && minimumRefusal[app] is { } refusal && !minimumOverridden[app])
            {
                sim.RecordOverride(refusal.Guarantee, refusal.Subject, $"{name} below {target} is end-of-life; its users were told to upgrade");
                minimumOverridden[app] = true;
            }
            minimumTried[app] = sim.now;
            if (sim.RaiseClientMinimum(name, target) is { } refused)
            {
                minimumRefusal[app] = refused;
                sim.Count("client minimum version raises refused");
                return;
            }
            minimumDone[app] = true;
            sim.Count("client minimum versions raised");
        }
    }
}

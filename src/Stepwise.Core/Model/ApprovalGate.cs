using System.Text.Json.Serialization;

namespace Stepwise.Core.Model;

/// <summary>
/// A step of a rollout where it waits for an operator's approval when the policy names it (<c>approve:</c> in
/// stepwise.yaml): a bad change is smoked out at small scale while a person watches. Spelt the same in stepwise.yaml,
/// JSON, the CLI and the dashboard (see <see cref="Names"/>). Persisted: values pinned.
/// </summary>
public enum ApprovalGate
{
    /// <summary>The canary baked and passed its analysis; the rollback rehearsal waits.</summary>
    [JsonStringEnumMemberName("after-canary")]
    AfterCanary = 0,

    /// <summary>The rehearsal (canary back on N) passed; re-releasing the canary waits.</summary>
    [JsonStringEnumMemberName("after-rehearsal")]
    AfterRehearsal = 1,

    /// <summary>The canary runs N+1 again; the first wave waits.</summary>
    [JsonStringEnumMemberName("before-waves")]
    BeforeWaves = 2,
}

namespace Stepwise.Agent;

/// <summary>
/// The health probes of one app instance, in a row. An app that has answered its health path once is reported
/// unhealthy only after <see cref="FailureThreshold"/> probes in a row fail (Kubernetes' <c>failureThreshold</c>):
/// one probe timing out on a loaded machine is a blip, and reporting it would make the controller refuse a rollout,
/// pick another canary or judge a bake on noise. An app that exits is unhealthy at once; the agent sees that apart
/// from any probe.
/// </summary>
public sealed class HealthProbes(int failureThreshold = HealthProbes.DefaultFailureThreshold)
{
    public const int DefaultFailureThreshold = 3;

    public int FailureThreshold { get; } = failureThreshold >= 1
        ? failureThreshold
        : throw new ArgumentOutOfRangeException(nameof(failureThreshold), failureThreshold, "at least one failed probe must make an app unhealthy");

    /// <summary>Whether the app has ever answered its health path with 2xx.</summary>
    public bool EverHealthy { get; private set; }

    /// <summary>How many probes have failed since the last one that passed.</summary>
    public int FailedInARow { get; private set; }

    /// <summary>Records one probe; returns whether the app still counts as healthy.</summary>
    public bool Record(bool passed)
    {
        if (passed)
        {
            EverHealthy = true;
            FailedInARow = 0;
            return true;
        }
        FailedInARow++;
        return EverHealthy && FailedInARow < FailureThreshold;
    }
}

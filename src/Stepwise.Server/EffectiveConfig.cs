using Stepwise.Api;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Stepwise.Server.Store;

namespace Stepwise.Server;

/// <summary>
/// The configuration the reconciler decides on: stepwise.yaml as stored, with every release registered through the
/// API appended, in registration order, as the newest release of its service. Artifacts (how agents run a release)
/// come from registrations only.
/// </summary>
public sealed class EffectiveConfig
{
    private readonly Dictionary<(string, string), Artifact> artifacts = new();
    private readonly Dictionary<(string, string), RegisteredRelease> registered = new();

    private EffectiveConfig(StepwiseConfig config, string? yaml, long revision)
    {
        Config = config;
        Yaml = yaml;
        Revision = revision;
    }

    public static EffectiveConfig Empty { get; } = new(StepwiseConfig.Empty, null, 0);

    public StepwiseConfig Config { get; }

    public string? Yaml { get; }

    public long Revision { get; }

    public Artifact? ArtifactOf(string service, string? version) => version is not null && artifacts.TryGetValue((service, version), out var a) ? a : null;

    public RegisteredRelease? Registration(string service, string version) => registered.GetValueOrDefault((service, version));

    /// <summary>Builds the effective configuration; throws <see cref="ConfigException"/> when the YAML is invalid.</summary>
    public static EffectiveConfig Build(string? yaml, string file, IReadOnlyList<RegisteredRelease> releases, long revision)
    {
        var baseConfig = yaml is null ? StepwiseConfig.Empty : ConfigLoader.Parse(yaml, file);
        var services = baseConfig.Services.ToDictionary(s => s.Name, s => s.Releases.ToList(), StringComparer.Ordinal);
        var result = new List<(string, ReleaseRegistration)>();
        foreach (var release in releases)
        {
            if (!services.TryGetValue(release.Service, out var list) || list.Any(r => r.Version == release.Registration.Version))
            {
                continue; // declared in stepwise.yaml as well (the YAML wins) or its service is no longer declared
            }
            list.Add(ToRelease(release.Service, release.Registration, list.Count));
            result.Add((release.Service, release.Registration));
        }
        var config = baseConfig with
        {
            Services = baseConfig.Services.Select(s => s with { Releases = services[s.Name] }).ToList(),
        };
        var effective = new EffectiveConfig(config, yaml, revision);
        foreach (var release in releases)
        {
            effective.artifacts[(release.Service, release.Registration.Version)] = release.Registration.Artifact;
            effective.registered[(release.Service, release.Registration.Version)] = release;
        }
        return effective;
    }

    public static Release ToRelease(string service, ReleaseRegistration registration, int ordinal)
    {
        var needs = registration.Needs ?? [];
        return new Release(
            service,
            registration.Version,
            ordinal,
            registration.Provides ?? [],
            registration.Deprecates ?? [],
            registration.Calls ?? [],
            needs.Select(n => n.EndsWith(":expand", StringComparison.Ordinal) ? n[..^":expand".Length] : n).ToList(),
            registration.UsesOldShapeOf ?? [],
            needs.Where(n => n.EndsWith(":expand", StringComparison.Ordinal)).Select(n => n[..^":expand".Length]).ToList());
    }
}

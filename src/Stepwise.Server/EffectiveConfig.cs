using Stepwise.Api;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Stepwise.Server.Store;

namespace Stepwise.Server;

/// <summary>
/// The configuration the reconciler decides on: stepwise.yaml as stored, with every release registered through the
/// API appended, in registration order, as the newest release of its service, and the retired releases out of their
/// services' ordering — linked once by <see cref="ConfigLinker"/>, the same linker stepwise.yaml alone goes through.
/// Artifacts (how agents run a release) come from registrations only.
/// </summary>
public sealed class EffectiveConfig
{
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

    public Artifact? ArtifactOf(string service, string? version) => version is not null && registered.TryGetValue((service, version), out var r) ? r.Registration.Artifact : null;

    public RegisteredRelease? Registration(string service, string version) => registered.GetValueOrDefault((service, version));

    /// <summary>Builds the effective configuration; throws <see cref="ConfigException"/> when it does not link (errors of stepwise.yaml with file:line).</summary>
    public static EffectiveConfig Build(string? yaml, string file, IReadOnlyList<RegisteredRelease> releases, IReadOnlyList<ReleaseRef> retired, long revision)
    {
        var declaration = Declare(yaml, file, releases, retired);
        var effective = new EffectiveConfig(ConfigLinker.Link(declaration), yaml, revision);
        foreach (var release in releases)
        {
            effective.registered[(release.Service, release.Registration.Version)] = release;
        }
        return effective;
    }

    /// <summary>
    /// The declaration: stepwise.yaml's, plus each registered release of a service it still declares that it does not
    /// declare itself (a version in both is the YAML's), plus the retired releases.
    /// </summary>
    public static ConfigDeclaration Declare(string? yaml, string file, IReadOnlyList<RegisteredRelease> releases, IReadOnlyList<ReleaseRef> retired)
    {
        var declaration = yaml is null ? ConfigDeclaration.Empty : ConfigLoader.ReadDeclaration(yaml, file);
        foreach (var release in releases)
        {
            var service = declaration.Services.FirstOrDefault(s => s.Name == release.Service);
            if (service is null || service.Releases.Any(r => r.Version == release.Registration.Version))
            {
                continue;
            }
            declaration = declaration.Register(release.Service, release.Registration.ToDeclaration());
        }
        return retired.Count == 0 ? declaration : declaration with { Retired = retired };
    }
}

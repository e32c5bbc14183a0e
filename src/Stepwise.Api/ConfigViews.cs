using Stepwise.Core.Model;

namespace Stepwise.Api;

/// <summary>The one way a linked configuration is shown (GET /api/v1/config, and <c>stepwise config diff</c> for a local file).</summary>
public static class ConfigViews
{
    /// <summary>Every derived relation spelled out.</summary>
    public static ConfigView Of(StepwiseConfig config) => new(
        config.Policy,
        config.Stores,
        config.Services.Select(s => new ServiceConfigView(s.Name, s.DependsOn, s.Releases)).ToList(),
        config.DataChanges.Select(c => new ChangeConfigView(c.Id, c.Stores, c.Expand, c.Backfill, c.Contract, config.NeededBy(c.Id), config.OldShapeUsers(c.Id), c.TimeLimit)).ToList(),
        config.Plans,
        config.Declaration.Retired ?? []);
}

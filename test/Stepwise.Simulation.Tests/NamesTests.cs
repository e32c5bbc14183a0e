using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

public class NamesTests
{
    [Fact]
    public void fault_profiles_parse_from_comma_separated_names()
    {
        FaultProfiles.TryParse("crashes, partitions", out var profile, out _).ShouldBeTrue();
        profile.ShouldBe(FaultProfile.Crashes | FaultProfile.Partitions);
        FaultProfiles.TryParse("ALL", out profile, out _).ShouldBeTrue();
        profile.ShouldBe(FaultProfile.All);
        FaultProfiles.TryParse("none", out profile, out _).ShouldBeTrue();
        profile.ShouldBe(FaultProfile.None);
    }

    [Theory]
    [InlineData("crashs")]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("crashes,meteor")]
    public void an_unknown_or_empty_fault_profile_is_an_error_naming_the_known_ones(string text)
    {
        FaultProfiles.TryParse(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain("controller-restart");
    }

    [Fact]
    public void fault_profile_names_may_only_grow()
    {
        FaultProfiles.Known.ShouldBe(["none", "crashes", "stale", "partitions", "slow", "bad-canary", "controller-restart", "forbidden", "query-failures", "all"]);
        FaultProfiles.Describe(FaultProfile.All).ShouldBe("all");
        FaultProfiles.Describe(FaultProfile.Stale | FaultProfile.Slow).ShouldBe("stale,slow");
    }

    [Fact]
    public void sabotage_rules_are_named_by_the_guarantee_they_break_and_may_only_grow()
    {
        SabotageRules.All.Select(r => r.Breaks().Name()).ShouldBe(["version-window", "stale-node", "data-before-code", "contract-after-code", "one-change-at-a-time", "rollback-rehearsed", "old-clients"]);
        SabotageRules.TryParse("G4", out var rule, out _).ShouldBeTrue();
        rule.ShouldBe(SabotageRule.ContractAfterCode);
        SabotageRules.TryParse("stale-node", out rule, out _).ShouldBeTrue();
        rule.ShouldBe(SabotageRule.StaleNode);
        SabotageRules.TryParse("G8", out rule, out _).ShouldBeTrue();
        rule.ShouldBe(SabotageRule.OldClients);
    }

    [Theory]
    [InlineData("compatible-contracts")]
    [InlineData("G6")]
    [InlineData("window")]
    public void a_rule_without_a_sabotage_is_an_error_naming_the_known_ones(string text)
    {
        SabotageRules.TryParse(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain("version-window");
    }
}

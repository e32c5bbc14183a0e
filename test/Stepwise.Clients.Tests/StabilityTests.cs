using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stepwise.Clients.Middleware;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Tests;

/// <summary>
/// What other programs rely on: header names, the problem type, the JSON field names and the limits of the wire
/// contract, the metric names. These tables may only grow.
/// </summary>
public sealed class StabilityTests
{
    private static string[] Names(object value, Type type) =>
        JsonDocument.Parse(JsonSerializer.Serialize(value, type, ClientsJson.Default)).RootElement.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void protocol_names_and_limits_are_stable()
    {
        StepwiseProtocol.ClientHeader.ShouldBe("Stepwise-Client");
        StepwiseProtocol.OperationHeader.ShouldBe("Stepwise-Operation");
        StepwiseProtocol.DeprecationHeader.ShouldBe("Deprecation");
        StepwiseProtocol.SunsetHeader.ShouldBe("Sunset");
        StepwiseProtocol.UpgradeRequiredType.ShouldBe("https://stepwise.dev/problems/upgrade-required");
        StepwiseProtocol.UpgradeRequiredTitle.ShouldBe("upgrade required");
        StepwiseProtocol.UpgradeRequiredStatus.ShouldBe(426);
        StepwiseProtocol.ProblemMediaType.ShouldBe("application/problem+json");
        StepwiseProtocol.PolicyRoute.ShouldBe("/api/v1/clients/policy");
        StepwiseProtocol.TelemetryRoute.ShouldBe("/api/v1/clients/telemetry");
        StepwiseProtocol.MaxCallsPerBatch.ShouldBe(5_000);
        StepwiseProtocol.MaxBatchBytes.ShouldBe(1_048_576);
        StepwiseProtocol.MaxCount.ShouldBe(1_000_000_000);
        StepwiseProtocol.MaxDropped.ShouldBe(1_000_000_000_000);
        OperationKey.MaxLength.ShouldBe(512);
        ClientIdentity.MaxAppLength.ShouldBe(64);
        ClientVersion.MaxLength.ShouldBe(64);
        ClientIdentity.UnknownText.ShouldBe("unknown");
        StepwiseClientsOptions.ServerVariable.ShouldBe("STEPWISE_SERVER");
        StepwiseClientsOptions.TokenVariable.ShouldBe("STEPWISE_CLIENT_TOKEN");
    }

    [Fact]
    public void telemetry_body_field_names_are_stable()
    {
        var call = new CallCount("ios-app", "4.2.1", "GET /orders/{id}", 12);
        var batch = new TelemetryBatch("orders", null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [call], 0);

        Names(batch, typeof(TelemetryBatch)).ShouldBe(["service", "release", "instance", "from", "to", "calls", "dropped"]);
        Names(call, typeof(CallCount)).ShouldBe(["app", "version", "operation", "count"]);
        JsonSerializer.Serialize(batch, ClientsJson.Default.TelemetryBatch).ShouldContain("\"release\":null"); // null is written, not left out
    }

    [Fact]
    public void problem_member_names_are_stable_and_members_that_do_not_apply_are_left_out()
    {
        var full = new UpgradeRequiredProblem("t", "u", 426, "d", "GET /a", "1.0.0", "2.0.0", "a/1.0.0");
        Names(full, typeof(UpgradeRequiredProblem)).ShouldBe(["type", "title", "status", "detail", "operation", "removedIn", "minimumVersion", "client"]);
        Names(full with { Operation = null, RemovedIn = null, MinimumVersion = null }, typeof(UpgradeRequiredProblem)).ShouldBe(["type", "title", "status", "detail", "client"]);
    }

    [Fact]
    public void policy_field_names_are_stable()
    {
        const string Json = """
            {"accepted":1,"policy":{"service":"orders","release":"1.4.0","minimumVersions":[{"app":"ios-app","minimum":"4.0.0"}],
             "removed":[{"operation":"DELETE /orders/{id}","removedIn":"1.4.0"}],
             "deprecated":[{"operation":"GET /orders","deprecatedIn":"1.2.0","sunset":"2027-01-01T00:00:00+00:00","link":"https://example.com/d"}],
             "refreshSeconds":60}}
            """;

        var answer = JsonSerializer.Deserialize(Json, ClientsJson.Default.TelemetryAnswer)!;

        answer.Accepted.ShouldBe(1);
        var policy = answer.Policy!;
        (policy.Service, policy.Release, policy.RefreshSeconds).ShouldBe(("orders", "1.4.0", 60));
        policy.MinimumVersions!.Single().ShouldBe(new MinimumVersionEntry("ios-app", "4.0.0"));
        policy.Removed!.Single().ShouldBe(new RemovedEntry("DELETE /orders/{id}", "1.4.0"));
        policy.Deprecated!.Single().ShouldBe(new DeprecatedEntry("GET /orders", "1.2.0", "2027-01-01T00:00:00+00:00", "https://example.com/d"));
    }

    [Fact]
    public void metric_names_are_stable()
    {
        ClientsRuntime.MeterName.ShouldBe("Stepwise.Clients");
        using var services = new ServiceCollection().AddStepwiseClients(o => o.ReadEnvironment = false).BuildServiceProvider();
        var factory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(); // other tests run meters of the same name
        var names = new List<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == ClientsRuntime.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    names.Add(instrument.Name);
                }
            },
        };
        listener.Start();
        services.GetRequiredService<ClientsRuntime>();

        names.ShouldBe(["stepwise.clients.upgrade_required", "stepwise.clients.dropped_calls", "stepwise.clients.buffered_keys", "stepwise.clients.pending_batches"], ignoreOrder: true);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Stepwise.Clients.Tests;

[CollectionDefinition(nameof(EnvironmentTests), DisableParallelization = true)]
public sealed class EnvironmentCollection;

/// <summary>STEPWISE_SERVER and STEPWISE_CLIENT_TOKEN (process-wide, so these tests run alone).</summary>
[Collection(nameof(EnvironmentTests))]
public sealed class EnvironmentTests
{
    private static StepwiseClientsOptions Options(string? server, string? token, Action<StepwiseClientsOptions>? configure = null)
    {
        Environment.SetEnvironmentVariable(StepwiseClientsOptions.ServerVariable, server);
        Environment.SetEnvironmentVariable(StepwiseClientsOptions.TokenVariable, token);
        try
        {
            using var services = new ServiceCollection().AddStepwiseClients(o =>
            {
                o.Service = "orders";
                configure?.Invoke(o);
            }).BuildServiceProvider();
            return services.GetRequiredService<IOptions<StepwiseClientsOptions>>().Value;
        }
        finally
        {
            Environment.SetEnvironmentVariable(StepwiseClientsOptions.ServerVariable, null);
            Environment.SetEnvironmentVariable(StepwiseClientsOptions.TokenVariable, null);
        }
    }

    [Fact]
    public void server_and_token_from_the_environment_turn_the_telemetry_on()
    {
        var options = Options("http://127.0.0.1:5080", "t0ken");

        options.Server.ShouldBe(new Uri("http://127.0.0.1:5080"));
        options.Token.ShouldBe("t0ken");
    }

    [Fact]
    public void a_server_in_the_environment_without_any_token_is_not_taken()
    {
        // What an app started by an agent that was itself given STEPWISE_SERVER inherits.
        Options("http://127.0.0.1:5080", null).Server.ShouldBeNull();
    }

    [Fact]
    public void a_token_file_in_the_options_makes_the_environment_server_count()
    {
        var options = Options("http://127.0.0.1:5080", "ignored", o => o.TokenFile = "/run/secrets/token");

        options.Server.ShouldBe(new Uri("http://127.0.0.1:5080"));
        options.Token.ShouldBeNull(); // the file wins; the variable is not read
    }

    [Fact]
    public void options_set_in_code_win_and_the_environment_can_be_ignored()
    {
        Options("http://127.0.0.1:5080", "t0ken", o => (o.Server, o.Token) = (new Uri("http://127.0.0.2:1"), "code")).Server.ShouldBe(new Uri("http://127.0.0.2:1"));
        Options("http://127.0.0.1:5080", "t0ken", o => o.ReadEnvironment = false).Server.ShouldBeNull();
    }

    [Fact]
    public void a_malformed_server_variable_is_an_error_that_names_it() =>
        Should.Throw<OptionsValidationException>(() => Options("not a uri", "t0ken")).Message.ShouldContain("STEPWISE_SERVER='not a uri'");
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Stepwise.Clients.Middleware;
using Stepwise.Clients.Telemetry;

namespace Stepwise.Clients;

/// <summary>Registration of the Stepwise.Clients middleware.</summary>
public static class StepwiseClientsExtensions
{
    /// <summary>
    /// Adds the services of the middleware: options (validated at start), the policy, the call counts and the
    /// telemetry loop (a hosted service that ships counts when a server is configured).
    /// </summary>
    public static IServiceCollection AddStepwiseClients(this IServiceCollection services, Action<StepwiseClientsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<StepwiseClientsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.PostConfigure(ReadEnvironment);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StepwiseClientsOptions>, OptionsValidator>());
        options.ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClientsRuntime>();
        services.TryAddSingleton<TelemetryShipper>();
        services.TryAddSingleton(sp => new StepwiseClientsTelemetry(sp.GetRequiredService<ClientsRuntime>(), sp.GetRequiredService<TelemetryShipper>()));
        services.AddHttpClient(TelemetryShipper.HttpClientName, client =>
        {
            client.Timeout = Timeout.InfiniteTimeSpan; // each call has its own deadline (SendTimeout)
            client.MaxResponseContentBufferSize = 4 << 20;
        });
        services.AddHostedService<TelemetryService>();
        return services;
    }

    /// <summary>
    /// Adds the middleware. Place it after routing (<c>UseRouting</c>, implicit in minimal hosting) and before the
    /// endpoints, so it sees which endpoint a request matched.
    /// </summary>
    public static IApplicationBuilder UseStepwiseClients(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<ClientsRuntime>() is null)
        {
            throw new InvalidOperationException("UseStepwiseClients needs its services: call services.AddStepwiseClients(...) first");
        }
        return app.UseMiddleware<StepwiseClientsMiddleware>();
    }

    /// <summary>Names the operation of an endpoint explicitly (see <see cref="StepwiseOperationAttribute"/>).</summary>
    public static TBuilder WithStepwiseOperation<TBuilder>(this TBuilder builder, string operation)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var metadata = new StepwiseOperationAttribute(operation);
        builder.Add(endpoint => endpoint.Metadata.Add(metadata));
        return builder;
    }

    private static void ReadEnvironment(StepwiseClientsOptions options)
    {
        if (!options.ReadEnvironment)
        {
            return;
        }
        if (options.Token is null && options.TokenFile is null && Environment.GetEnvironmentVariable(StepwiseClientsOptions.TokenVariable) is { Length: > 0 } token)
        {
            options.Token = token;
        }
        // STEPWISE_SERVER is also what the CLI and the agent read, so an app started by an agent may inherit it: it
        // turns the telemetry on only together with a token.
        if (options.Server is null && (options.Token ?? options.TokenFile) is not null
            && Environment.GetEnvironmentVariable(StepwiseClientsOptions.ServerVariable) is { Length: > 0 } server)
        {
            options.Server = Uri.TryCreate(server, UriKind.Absolute, out var uri) ? uri : throw new OptionsValidationException(
                nameof(StepwiseClientsOptions), typeof(StepwiseClientsOptions),
                [$"{StepwiseClientsOptions.ServerVariable}='{server}' is not an absolute URI: give the Stepwise server's address, e.g. https://stepwise.example.com"]);
        }
    }

    private sealed class OptionsValidator : IValidateOptions<StepwiseClientsOptions>
    {
        public ValidateOptionsResult Validate(string? name, StepwiseClientsOptions options)
        {
            var errors = new List<string>();
            if (string.IsNullOrEmpty(options.HeaderName) || !options.HeaderName.All(IsTokenChar))
            {
                errors.Add($"HeaderName '{options.HeaderName}' is not an HTTP field name: give letters, digits and - (e.g. {StepwiseProtocol.ClientHeader})");
            }
            if (options.Server is { } server && (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps)))
            {
                errors.Add($"Server '{server}' must be an absolute http or https URI");
            }
            if (options.Server is not null && string.IsNullOrWhiteSpace(options.Service))
            {
                errors.Add("Service is required with a Server: give the name of this service as stepwise.yaml declares it (e.g. orders)");
            }
            if (options.Token is not null && options.TokenFile is not null)
            {
                errors.Add("give Token or TokenFile, not both");
            }
            if (options.FlushInterval <= TimeSpan.Zero || options.SendTimeout <= TimeSpan.Zero || options.MaxBackoff <= TimeSpan.Zero)
            {
                errors.Add("FlushInterval, SendTimeout and MaxBackoff must be positive");
            }
            if (options.MaxKeys < 1 || options.MaxRetainedBatches < 1)
            {
                errors.Add("MaxKeys and MaxRetainedBatches must be at least 1");
            }
            try
            {
                Policy.PolicyStore.Validate(options.Policy);
            }
            catch (ArgumentException e)
            {
                errors.Add(e.Message);
            }
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
    }
}

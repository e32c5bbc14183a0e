using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Stepwise.Clients;

/// <summary>Registration of <see cref="StepwiseClientHandler"/> on a named or typed HttpClient.</summary>
public static class HttpClientBuilderExtensions
{
    /// <summary>
    /// Sends <c>Stepwise-Client: app/version</c> with every request of this client, throws
    /// <see cref="UpgradeRequiredException"/> for the upgrade-required problem and reports deprecation headers through
    /// the <see cref="StepwiseClientMonitor"/> singleton. Throws <see cref="ArgumentException"/> when the app or version
    /// is outside the header grammar (a server would count such a client as unknown).
    /// </summary>
    public static IHttpClientBuilder AddStepwiseClientIdentity(this IHttpClientBuilder builder, string app, string version, string headerName = StepwiseProtocol.ClientHeader)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var client = ClientIdentity.Create(app, version);
        builder.Services.TryAddSingleton<StepwiseClientMonitor>();
        return builder.AddHttpMessageHandler(services => new StepwiseClientHandler(client, services.GetRequiredService<StepwiseClientMonitor>(), headerName));
    }
}

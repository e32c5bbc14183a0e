using System.Text.Json;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients;

/// <summary>
/// An <see cref="HttpClient"/> handler for .NET clients of a Stepwise-managed service: sends the
/// <c>Stepwise-Client</c> header, throws <see cref="UpgradeRequiredException"/> for the upgrade-required problem, and
/// reports deprecation headers through a <see cref="StepwiseClientMonitor"/>.
/// </summary>
public sealed class StepwiseClientHandler : DelegatingHandler
{
    /// <summary>A problem body larger than this is not read as an upgrade-required problem.</summary>
    public const int MaxProblemBytes = 64 * 1024;

    private readonly string headerValue;
    private readonly string headerName;
    private readonly StepwiseClientMonitor? monitor;

    /// <summary>A handler to chain (<see cref="DelegatingHandler.InnerHandler"/> set by the HttpClient factory).</summary>
    public StepwiseClientHandler(ClientIdentity client, StepwiseClientMonitor? monitor = null, string headerName = StepwiseProtocol.ClientHeader)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!client.IsKnown)
        {
            throw new ArgumentException("a client sends its own app and version: build it with ClientIdentity.Create(app, version)", nameof(client));
        }
        headerValue = client.ToString();
        this.headerName = headerName;
        this.monitor = monitor;
    }

    /// <summary>A handler over <paramref name="innerHandler"/>.</summary>
    public StepwiseClientHandler(ClientIdentity client, HttpMessageHandler innerHandler, StepwiseClientMonitor? monitor = null, string headerName = StepwiseProtocol.ClientHeader)
        : this(client, monitor, headerName) => InnerHandler = innerHandler;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains(headerName))
        {
            request.Headers.TryAddWithoutValidation(headerName, headerValue);
        }
        var response = await base.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode == StepwiseProtocol.UpgradeRequiredStatus && await UpgradeRequiredAsync(response, cancellationToken) is { } exception)
        {
            response.Dispose();
            throw exception;
        }
        monitor?.Observe(request, response);
        return response;
    }

    private static async Task<UpgradeRequiredException?> UpgradeRequiredAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not (StepwiseProtocol.ProblemMediaType or "application/json")
            || response.Content.Headers.ContentLength is > MaxProblemBytes)
        {
            return null;
        }
        string text;
        try
        {
            // Buffered, so a caller still reads the body of a 426 that is not this problem.
            await response.Content.LoadIntoBufferAsync(MaxProblemBytes, cancellationToken);
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null; // larger than the limit
        }
        ProblemFields? problem;
        try
        {
            problem = JsonSerializer.Deserialize(text, ClientsJson.Default.ProblemFields);
        }
        catch (JsonException)
        {
            return null;
        }
        return problem?.Type == StepwiseProtocol.UpgradeRequiredType
            ? new UpgradeRequiredException(problem.Operation, problem.RemovedIn, problem.MinimumVersion, problem.Client, problem.Detail,
                problem.Status ?? StepwiseProtocol.UpgradeRequiredStatus, text)
            : null;
    }
}

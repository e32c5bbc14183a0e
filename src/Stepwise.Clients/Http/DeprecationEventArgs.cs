namespace Stepwise.Clients;

/// <summary>A response said that the operation called is deprecated (RFC 9745) or will sunset (RFC 8594).</summary>
public sealed class DeprecationEventArgs : EventArgs
{
    /// <summary>Builds the arguments.</summary>
    public DeprecationEventArgs(string operation, Uri? requestUri, DateTimeOffset? deprecation, DateTimeOffset? sunset, Uri? link, Uri? sunsetLink)
    {
        Operation = operation;
        RequestUri = requestUri;
        Deprecation = deprecation;
        Sunset = sunset;
        Link = link;
        SunsetLink = sunsetLink;
    }

    /// <summary>The operation: the server's <c>Stepwise-Operation</c> header when it sent one (<c>GET /orders</c>),
    /// else the method and the request path.</summary>
    public string Operation { get; }

    /// <summary>The URI of the request that got the headers.</summary>
    public Uri? RequestUri { get; }

    /// <summary>When the operation was or will be deprecated (the Deprecation field), when it named a date.</summary>
    public DateTimeOffset? Deprecation { get; }

    /// <summary>When the operation is expected to stop answering (the Sunset field).</summary>
    public DateTimeOffset? Sunset { get; }

    /// <summary>The <c>rel="deprecation"</c> link: documentation of the deprecation.</summary>
    public Uri? Link { get; }

    /// <summary>The <c>rel="sunset"</c> link: the sunset policy.</summary>
    public Uri? SunsetLink { get; }
}

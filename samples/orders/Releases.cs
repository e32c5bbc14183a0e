namespace Stepwise.Samples.Orders;

/// <summary>
/// What each release of the sample does. One binary plays every release so the demo needs one build:
/// <list type="bullet">
/// <item>1.0.0: the baseline; orders keep the customer's address in <c>customer_email</c>.</item>
/// <item>1.1.0: a good release; adds GET /orders (the latest orders).</item>
/// <item>1.2.0: needs the data change <c>contact-email</c> (expand: a <c>contact_email</c> column; backfill: copy
/// the addresses): reads <c>contact_email</c>, writes both columns while the old one exists. Unhealthy without the column.</item>
/// <item>1.3.0: a bad release: a quarter of the requests fail with 500 and every request is 60 ms slower. It reads
/// whichever address column the schema has, so its only fault is the one it is meant to show.</item>
/// <item>1.4.0: a breaking release: DELETE /orders/{id} is gone though no release deprecated it.</item>
/// <item>1.5.0: like 1.2.0, and its contract deprecates DELETE /orders/{id}.</item>
/// <item>1.6.0: DELETE /orders/{id} is gone, after 1.5.0 deprecated it: safe for the contract (G6), not for a client
/// that still calls it (G8).</item>
/// </list>
/// </summary>
public sealed record ReleaseBehaviour(string Version, bool ListOrders, bool? UsesContactEmail, double ErrorRate, int ExtraLatencyMs, bool Delete)
{
    public static IReadOnlyList<ReleaseBehaviour> All { get; } =
    [
        new("1.0.0", ListOrders: false, UsesContactEmail: false, ErrorRate: 0, ExtraLatencyMs: 0, Delete: true),
        new("1.1.0", ListOrders: true, UsesContactEmail: false, ErrorRate: 0, ExtraLatencyMs: 0, Delete: true),
        new("1.2.0", ListOrders: true, UsesContactEmail: true, ErrorRate: 0, ExtraLatencyMs: 0, Delete: true),
        new("1.3.0", ListOrders: true, UsesContactEmail: null, ErrorRate: 0.25, ExtraLatencyMs: 60, Delete: true),
        new("1.4.0", ListOrders: true, UsesContactEmail: true, ErrorRate: 0, ExtraLatencyMs: 0, Delete: false),
        new("1.5.0", ListOrders: true, UsesContactEmail: true, ErrorRate: 0, ExtraLatencyMs: 0, Delete: true),
        new("1.6.0", ListOrders: true, UsesContactEmail: true, ErrorRate: 0, ExtraLatencyMs: 0, Delete: false),
    ];

    public static ReleaseBehaviour? Find(string version) => All.FirstOrDefault(r => r.Version == version);
}

namespace Stepwise.Clients;

/// <summary>
/// Names the operation of an endpoint explicitly, when its route pattern does not give the key its contract uses:
/// <c>[StepwiseOperation("GET /orders/{id}")]</c> on a handler or controller action, or
/// <c>.WithStepwiseOperation("GET /orders/{id}")</c> on an endpoint. It wins over the route pattern and the
/// endpoint's HTTP methods.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class | AttributeTargets.Delegate, AllowMultiple = false, Inherited = false)]
public sealed class StepwiseOperationAttribute : Attribute
{
    /// <summary>Names the operation; throws <see cref="ArgumentException"/> when the key is outside the grammar.</summary>
    public StepwiseOperationAttribute(string operation) => Operation = OperationKey.Validate(operation, nameof(operation));

    /// <summary>The operation key, e.g. <c>GET /orders/{id}</c>.</summary>
    public string Operation { get; }
}

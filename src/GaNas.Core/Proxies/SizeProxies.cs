namespace GaNas.Proxies;

/// <summary>Parameter count as a proxy: a strong baseline on NATS-Bench (bigger trains better).</summary>
internal sealed class ParamsProxy : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "params";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ProxyValue(context.Statistics.Parameters, null);
    }
}

/// <summary>Multiply-accumulates of one forward pass at the batch's input size, as a proxy.</summary>
internal sealed class MacsProxy : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "macs";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ProxyValue(context.Statistics.MultiplyAccumulates, null);
    }
}

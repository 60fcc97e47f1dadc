namespace GaNas.Proxies;

/// <summary>ZiCo (Li et al., ICLR 2023): high mean and low variance of gradients across batches, layer by layer.</summary>
internal sealed class Zico : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "zico";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.Gradients.Zico, "ZiCo");
    }
}

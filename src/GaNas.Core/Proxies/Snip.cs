namespace GaNas.Proxies;

/// <summary>SNIP (Lee et al.): connection sensitivity sum |theta * dL/dtheta| at initialisation.</summary>
internal sealed class Snip : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "snip";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.BatchGradients.Snip, "SNIP");
    }
}

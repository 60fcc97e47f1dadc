namespace GaNas.Proxies;

/// <summary>Gradient norm at initialisation (Abdelfattah et al.).</summary>
internal sealed class GradNorm : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "grad_norm";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.Gradients.GradNorm, "grad_norm");
    }
}

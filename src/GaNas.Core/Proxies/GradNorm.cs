namespace GaNas.Proxies;

/// <summary>Gradient norm at initialisation (Abdelfattah et al.): the sum over layers of the norm of the whole batch's cross-entropy gradient.</summary>
internal sealed class GradNorm : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "grad_norm";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.BatchGradients.GradNorm, "grad_norm");
    }
}

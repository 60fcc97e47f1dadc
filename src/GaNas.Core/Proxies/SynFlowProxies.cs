namespace GaNas.Proxies;

/// <summary>
/// LogSynFlow (Cavagnero et al., FreeREA): sum over conv and linear weights of
/// |theta * log(1 + dR/dtheta)| on the float64, batch-norm-free, absolute-weight network with an
/// all-ones input. The log tames SynFlow's gradient explosion in deep networks.
/// </summary>
internal sealed class LogSynFlow : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "logsynflow";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.SynFlow.LogSynFlowSum, "LogSynFlow");
    }
}

/// <summary>SynFlow (Tanaka et al.): sum over conv and linear weights of |theta * dR/dtheta|, same pass as <see cref="LogSynFlow"/>.</summary>
internal sealed class SynFlow : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "synflow";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.SynFlow.SynFlowSum, "SynFlow");
    }
}

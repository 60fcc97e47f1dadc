namespace GaNas.Proxies;

/// <summary>
/// A training-free (zero-cost) proxy: a number computed from an untrained network and, for most
/// proxies, a batch of real images, that ranks architectures without training them. Higher is
/// better for every proxy. Adding a proxy means writing one class and registering it in
/// <see cref="ProxyRegistry"/>.
/// </summary>
public interface IZeroCostProxy
{
    /// <summary>Short lower-case name used on the command line and as CSV column.</summary>
    string Name { get; }

    /// <summary>What the forward pass shared between proxies must record for this proxy.</summary>
    CleanPassNeeds Needs => CleanPassNeeds.None;

    /// <summary>Computes the proxy for the context's architecture.</summary>
    ProxyValue Compute(ProxyContext context);
}

/// <summary>
/// A proxy's result. Non-finite results (a singular kernel, an overflow, a network that outputs
/// nothing) do not poison a search: they become <see cref="Failed"/> values that rank below every
/// finite value, carry the reason, and are counted in reports.
/// </summary>
public readonly record struct ProxyValue(double Value, string? Failure)
{
    /// <summary>A finite result.</summary>
    public static ProxyValue Of(double value, string what) =>
        double.IsFinite(value) ? new ProxyValue(value, null) : Failed($"{what} is {value}");

    /// <summary>A failed result with its reason.</summary>
    public static ProxyValue Failed(string reason) => new(double.NegativeInfinity, reason);

    /// <summary>Whether the proxy produced a usable number.</summary>
    public bool IsValid => Failure is null && double.IsFinite(Value);

    /// <inheritdoc />
    public override string ToString() => IsValid ? Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : $"failed ({Failure})";
}

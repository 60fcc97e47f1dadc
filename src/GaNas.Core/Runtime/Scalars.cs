using TorchSharp;

namespace GaNas.Runtime;

/// <summary>
/// Long-lived TorchSharp scalars for the hot paths. TorchSharp 0.107 turns a numeric argument
/// (<c>x.add(y)</c> passes alpha = 1, <c>x.mul(0.0)</c>, <c>x.gt(0)</c>) into a <see cref="Scalar"/> that no
/// dispose scope owns and that is not kept alive during the native call; when another thread triggers a
/// garbage collection, its finalizer can free it while libtorch reads it, which fails at random with
/// "Expected false to be true ... toFloat" (seen while ML.NET evaluated a model on parallel cursors).
/// Constants used in forward passes live here for the life of the process; values computed at run time
/// are created with <c>using</c> next to the call that reads them.
/// </summary>
internal static class Scalars
{
    /// <summary>0 (integer; compares and multiplies with any dtype).</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>1 (integer), the alpha of a plain add.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>0.0 (double), for multiplying by zero as NATS-Bench's <c>none</c> operation does.</summary>
    public static readonly Scalar ZeroDouble = 0.0.ToScalar();
}

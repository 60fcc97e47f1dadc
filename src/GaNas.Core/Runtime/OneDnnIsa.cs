using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GaNas.Runtime;

/// <summary>
/// Caps the instruction set of libtorch's oneDNN kernels at AVX2, before libtorch creates its first primitive. On this
/// project's machines (AMD EPYC with AVX-512, libtorch 2.10's oneDNN 3.7.1) the AVX-512 kernels compute wrong results:
/// a float32 network whose layers have 8 or 40 channels scores probabilities 1e-3 away from the same network in float64,
/// while ONNX Runtime and the AVX2 kernels agree with float64 to 3e-8 (OnnxExportTests, ConvolutionGradientTests;
/// docs/architecture.md). oneDNN reads <c>ONEDNN_MAX_CPU_ISA</c> once, with the C library's <c>getenv</c>, so it is
/// set here with <c>setenv</c> when this assembly loads; a value the user set is kept.
/// </summary>
internal static class OneDnnIsa
{
    /// <summary>The variable oneDNN reads.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap set when the user set none.</summary>
    public const string Cap = "AVX2";

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "oneDNN reads the cap once, before libtorch's first primitive; only a module initializer of this assembly runs before any caller can reach libtorch through it.")]
    internal static void Limit()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        try
        {
            _ = setenv(Variable, Cap, 0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to set it through: libtorch keeps its own choice.
        }
    }

    /// <summary>The value oneDNN will read (the C library's environment, not .NET's copy).</summary>
    public static string? Current => OperatingSystem.IsWindows() ? null : Marshal.PtrToStringUTF8(getenv(Variable));

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}

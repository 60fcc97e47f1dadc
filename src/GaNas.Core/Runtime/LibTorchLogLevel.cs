using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;

namespace GaNas.Runtime;

/// <summary>
/// The level below which libtorch's own C++ log (c10's <c>LOG(...)</c>, not exceptions) prints nothing. On a machine where
/// NNPACK cannot initialise (this project's AMD EPYC VMs), libtorch 2.10 writes "Could not initialize NNPACK! Reason:
/// Unsupported hardware." to stderr for every float64 convolution, about 74 lines per SynFlow evaluation: 74,000 lines
/// for a 1,000-evaluation search. The convolution itself falls back to libtorch's own kernel and is correct.
/// <para>
/// c10 documents <c>TORCH_CPP_LOG_LEVEL</c> (INFO, WARNING, ERROR, FATAL or 0-3) for this, but reads it only when Python's
/// torch calls <c>c10::initLogging</c>, which TorchSharp never does. So this class sets the level itself, once libtorch is
/// loaded: the user's <c>TORCH_CPP_LOG_LEVEL</c> when set (so <c>TORCH_CPP_LOG_LEVEL=WARNING</c> brings the warnings
/// back), ERROR otherwise. A libtorch without the exported flag is left as it is.
/// </para>
/// </summary>
internal static class LibTorchLogLevel
{
    /// <summary>The variable c10 documents for its log level.</summary>
    public const string Variable = "TORCH_CPP_LOG_LEVEL";

    /// <summary>c10's level for errors: warnings and information are not printed.</summary>
    public const int Error = 2;

    private const string Flag = "FLAGS_caffe2_log_level";

    /// <summary>
    /// Sets the level from <see cref="Variable"/> or to <see cref="Error"/>. Returns the level now in force, or null when
    /// this libtorch does not export it. Throws <see cref="ArgumentException"/> for a value c10 would not accept either.
    /// </summary>
    public static int? Apply() => Apply(Environment.GetEnvironmentVariable(Variable));

    internal static int? Apply(string? requested)
    {
        int level = Parse(requested);
        IntPtr flag = FlagAddress();
        if (flag == IntPtr.Zero) return null;
        Marshal.WriteInt32(flag, level);
        return level;
    }

    /// <summary>The level in force now, or null when this libtorch does not export it.</summary>
    public static int? Current
    {
        get
        {
            IntPtr flag = FlagAddress();
            return flag == IntPtr.Zero ? null : Marshal.ReadInt32(flag);
        }
    }

    internal static int Parse(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested)) return Error;
        switch (requested.Trim().ToUpperInvariant())
        {
            case "INFO": return 0;
            case "WARNING": return 1;
            case "ERROR": return 2;
            case "FATAL": return 3;
        }
        if (int.TryParse(requested, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n is >= 0 and <= 3) return n;
        throw new ArgumentException($"{Variable}='{requested}' is not a libtorch log level: use INFO, WARNING, ERROR or FATAL (or 0-3).");
    }

    private static IntPtr FlagAddress()
    {
        // libtorch is loaded by now (TorchRuntime.EnsureLoaded), so this finds the copy in the process by its soname.
        foreach (string name in OperatingSystem.IsWindows() ? new[] { "c10.dll" } : OperatingSystem.IsMacOS() ? ["libc10.dylib"] : ["libc10.so"])
        {
            if (NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out IntPtr library)
                && NativeLibrary.TryGetExport(library, Flag, out IntPtr flag))
                return flag;
        }
        return IntPtr.Zero;
    }
}

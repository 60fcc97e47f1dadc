using System.Runtime.InteropServices;

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
/// back), ERROR otherwise. Linux only (the flag is found in the libc10 already loaded); elsewhere, and with a libtorch
/// without the exported flag, the level is left as it is.
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
    /// Sets the level from <see cref="Variable"/> or to <see cref="Error"/>, and returns the level now in force, or null
    /// when this libtorch does not export it. A value c10 would not accept (c10 takes INFO, WARNING, ERROR, FATAL or 0-3)
    /// is reported once on stderr and ERROR is used, as c10 keeps its default then.
    /// </summary>
    public static int? Apply() => Apply(Environment.GetEnvironmentVariable(Variable));

    internal static int? Apply(string? requested)
    {
        int? parsed = Parse(requested);
        if (parsed is null) Console.Error.WriteLine($"GaNas: {Variable}='{requested}' is not a libtorch log level (INFO, WARNING, ERROR, FATAL or 0-3); using ERROR.");
        int level = parsed ?? Error;
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

    /// <summary>The level a value names, as c10 reads it; <see cref="Error"/> when unset; null when c10 would refuse it.</summary>
    internal static int? Parse(string? requested) => requested switch
    {
        null or "" => Error,
        "INFO" or "0" => 0,
        "WARNING" or "1" => 1,
        "ERROR" or "2" => 2,
        "FATAL" or "3" => 3,
        _ => null,
    };

    // The libc10 libtorch already loaded (RTLD_NOLOAD: never a second copy from another path), then the flag in it.
    private static IntPtr FlagAddress()
    {
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        try
        {
            IntPtr library = dlopen("libc10.so", RtldLazy | RtldNoLoad);
            if (library == IntPtr.Zero) return IntPtr.Zero;
            IntPtr flag = dlsym(library, Flag);
            _ = dlclose(library); // drops the reference dlopen added; libtorch's own keeps the library loaded
            return flag;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return IntPtr.Zero;
        }
    }

    private const int RtldLazy = 0x1;
    private const int RtldNoLoad = 0x4;

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr dlsym(IntPtr handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string symbol);

    [DllImport("libc")]
    private static extern int dlclose(IntPtr handle);
}

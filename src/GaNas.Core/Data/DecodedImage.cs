namespace GaNas.Data;

/// <summary>An 8-bit image, interleaved (height x width x channels).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 (grey) or 3 (RGB).</param>
/// <param name="Pixels">Height x Width x Channels bytes.</param>
public sealed record DecodedImage(int Width, int Height, int Channels, byte[] Pixels);

/**
 * A Godot 4 SpriteFrames resource (.tres, text format 3) as the Godot editor saves one: the
 * sheet as an external Texture2D, one AtlasTexture sub-resource per frame (its region; a
 * trimmed frame's margin puts it back in place), and one animation per tag with its speed in
 * frames per second from the frame delay. The texture path is relative: Godot resolves it
 * against the .tres's own folder, so dragging both files into any folder of a project works
 * (Godot writes res:// paths itself the next time it saves the resource).
 */
import { framesPerSecond, tagPlayOrder, type AtlasInput } from './atlas-input';

/** A Godot string literal (escape backslashes and quotes, as Godot's VariantWriter does). */
const godotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
/** Godot writes floats with a decimal point ("10.0", "8.333"). */
const godotFloat = (v: number) => (Number.isInteger(v) ? `${v}.0` : String(v));

export function godotSpriteFrames(a: AtlasInput): string {
  const textureId = '1_sheet';
  const sub = (i: number) => `AtlasTexture_${i}`;
  const lines: string[] = [
    `[gd_resource type="SpriteFrames" load_steps=${a.sheet.frames.length + 2} format=3]`,
    '',
    `[ext_resource type="Texture2D" path=${godotString(a.image)} id="${textureId}"]`,
    '',
  ];
  a.sheet.frames.forEach((f, i) => {
    lines.push(`[sub_resource type="AtlasTexture" id="${sub(i)}"]`, `atlas = ExtResource("${textureId}")`, `region = Rect2(${f.frame.x}, ${f.frame.y}, ${f.frame.w}, ${f.frame.h})`);
    if (f.trimmed) lines.push(`margin = Rect2(${f.spriteSourceSize.x}, ${f.spriteSourceSize.y}, ${f.sourceSize.w - f.frame.w}, ${f.sourceSize.h - f.frame.h})`);
    lines.push('');
  });
  // SpriteFrames cannot play ping-pong, so its frames are listed out (forwards, then back).
  const animations = a.tags.map((t) => {
    const frames = tagPlayOrder(t, a.pingPong).map((i) => `{\n"duration": 1.0,\n"texture": SubResource("${sub(i)}")\n}`);
    return `{\n"frames": [${frames.join(', ')}],\n"loop": ${a.loop === 0},\n"name": &${godotString(t.name)},\n"speed": ${godotFloat(framesPerSecond(a.delayMs))}\n}`;
  });
  lines.push('[resource]', `animations = [${animations.join(', ')}]`, '');
  return lines.join('\n');
}

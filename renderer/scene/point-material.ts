/**
 * The scatter's material: round points with a rim (dark on the light background, the
 * background's own colour on the dark one) so neighbours stay apart, and a per-point
 * emphasis attribute: 0 hides a point (a label switched off in the legend), 1 draws it as
 * usual, EMPHASIS_DIMMED fades it towards the background (it is not among the search or
 * selection), EMPHASIS_HIGHLIGHT draws it larger and opaque (it is).
 */
import * as THREE from 'three';

export const EMPHASIS_HIDDEN = 0;
export const EMPHASIS_NORMAL = 1;
export const EMPHASIS_DIMMED = 0.5;
export const EMPHASIS_HIGHLIGHT = 2;

const vertexShader = /* glsl */ `
  attribute float emphasis;
  uniform float size;
  varying vec3 vColour;
  varying float vEmphasis;
  void main() {
    vColour = color;
    vEmphasis = emphasis;
    if (emphasis < 0.01) {
      // Hidden: outside the clip volume, so nothing is rasterised.
      gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
      gl_PointSize = 0.0;
      return;
    }
    gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
    gl_PointSize = size * (emphasis > 1.5 ? 1.9 : emphasis < 0.99 ? 0.7 : 1.0);
  }
`;

const fragmentShader = /* glsl */ `
  uniform vec3 background;
  varying vec3 vColour;
  varying float vEmphasis;
  void main() {
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(p, p);
    if (r2 > 1.0) discard;
    float light = dot(background, vec3(0.2126, 0.7152, 0.0722));
    vec3 rim = light > 0.5 ? vColour * 0.35 : background;
    float band = smoothstep(0.5, 0.8, r2);
    if (vEmphasis > 1.5) {
      // Highlighted: a thick rim in the theme's contrast colour (white on dark, black on light).
      rim = light > 0.5 ? vec3(0.0) : vec3(1.0);
      band = smoothstep(0.35, 0.55, r2);
    }
    vec3 c = mix(vColour, rim, band);
    float alpha = 0.95;
    if (vEmphasis < 0.99) {
      c = mix(c, background, 0.78);
      alpha = 0.5;
    }
    gl_FragColor = vec4(c, alpha);
    #include <colorspace_fragment>
  }
`;

export function createPointMaterial(sizePx: number): THREE.ShaderMaterial {
  return new THREE.ShaderMaterial({
    vertexShader,
    fragmentShader,
    vertexColors: true,
    transparent: true,
    depthWrite: false,
    uniforms: { size: { value: sizePx }, background: { value: new THREE.Color(0x15171c) } },
  });
}
